"""Staff accounts for the admin: list, add, change role or enabling or names, reset a password.
The rules (no admin locks themselves out, the hall keeps an enabled admin) are the core's."""
from __future__ import annotations

from core.clock import iso
from core.staff import KEEP
from core.tickets import StaffMember
from web.api import ok, route
from web.context import ctx
from web.schemas import NewPassword, NewStaff, StaffAccountOut, StaffChange, StaffListOut

from . import bp

ADMIN = ("admin",)


def account_view(m: StaffMember) -> dict:
    """An account as the admin sees it: never its password hash."""
    return {"username": m.username, "role": m.role, "disabled": m.disabled,
            "display_name": m.display_name, "staff_no": m.staff_no,
            "created_at": iso(m.created_at, ctx().hall.tz)}


@route(bp, "/api/staff", "GET", summary="Every staff account", tag="admin", roles=ADMIN,
       answers={200: StaffListOut})
def list_staff(staff):
    return ok({"staff": [account_view(m) for m in ctx().accounts.all()]})


@route(bp, "/api/staff", "POST", summary="Add a staff account", tag="admin", body=NewStaff,
       roles=ADMIN, answers={201: StaffAccountOut}, errors=(409,))
def add_staff(staff, body: NewStaff):
    member = ctx().accounts.add(body.username, body.role, body.password, by=staff.username,
                                display_name=body.display_name, staff_no=body.staff_no)
    return ok(account_view(member), 201)


@route(bp, "/api/staff/<username>", "POST",
       summary="Change an account's role, enabling, name or staff number (only the fields given); "
               "a new role or disabling ends its sessions", tag="admin", body=StaffChange,
       roles=ADMIN, answers={200: StaffAccountOut}, errors=(404, 409))
def change_staff(username: str, staff, body: StaffChange):
    given = body.model_fields_set
    member = ctx().accounts.update(
        username, role=body.role, disabled=body.disabled, by=staff.username,
        display_name=body.display_name if "display_name" in given else KEEP,
        staff_no=body.staff_no if "staff_no" in given else KEEP)
    if "role" in given or "disabled" in given:
        ctx().publisher.end_staff_sockets(username)
    return ok(account_view(member))


@route(bp, "/api/staff/<username>/password", "POST",
       summary="Set a new password; the account's sessions end", tag="admin", body=NewPassword,
       roles=ADMIN, answers={200: StaffAccountOut}, errors=(404,))
def reset_password(username: str, staff, body: NewPassword):
    member = ctx().accounts.reset_password(username, body.password, by=staff.username)
    ctx().publisher.end_staff_sockets(username)
    return ok(account_view(member))
