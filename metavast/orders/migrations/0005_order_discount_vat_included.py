# Prices include VAT (issue 15): each line keeps its own VAT and net discount; the order its
# discount and code. Existing orders keep their amounts (vat_included stays False for them).

from django.db import migrations, models
from django.db.models import F, Q


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_persian_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="discount",
            field=models.PositiveBigIntegerField(default=0, verbose_name="تخفیف (ریال)"),
        ),
        migrations.AddField(
            model_name="order",
            name="discount_code",
            field=models.CharField(blank=True, max_length=32, verbose_name="کد تخفیف"),
        ),
        migrations.AddField(
            model_name="order",
            name="vat_included",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="قیمت‌ها با مالیات"
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="discount",
            field=models.PositiveBigIntegerField(default=0, verbose_name="تخفیف (ریال)"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="vat",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="مالیات (ریال)"
            ),
        ),
        migrations.RemoveConstraint(model_name="order", name="order_total_adds_up"),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping_cost") - F("discount") + F("vat")),
                name="order_total_adds_up_after_discount",
            ),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=Q(discount__lte=F("line_total")),
                name="orderline_discount_within_line",
            ),
        ),
    ]
