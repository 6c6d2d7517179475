from django.db import models
from django.urls import reverse


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(models.Model):
    """A static page staff edit (privacy policy, terms, contact).

    The body is plain text shown with paragraphs, never raw HTML, so an editor cannot
    inject script into the storefront.
    """

    slug = models.SlugField("نشانی", max_length=80, unique=True, allow_unicode=True)
    title = models.CharField("عنوان", max_length=200)
    body = models.TextField("متن")
    is_published = models.BooleanField("منتشر شده", default=True)
    show_in_footer = models.BooleanField("در پانویس", default=True)
    updated_at = models.DateTimeField("آخرین ویرایش", auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = "صفحه"
        verbose_name_plural = "صفحه‌ها"
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("storefront:page", kwargs={"slug": self.slug})
