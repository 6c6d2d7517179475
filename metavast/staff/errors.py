"""Error codes of staff roles; the admin and the command turn them into Persian messages."""

from __future__ import annotations

from metavast.core.errors import DomainError


class RoleAssignForbidden(DomainError):
    code = "role_assign_forbidden"
    status = 403
    message = "اجازهٔ دادن یا گرفتن این نقش را ندارید."


class RoleUnknown(DomainError):
    code = "role_unknown"
    status = 400
    message = "چنین نقشی وجود ندارد."
