"""The hall's settings (issue 19): the version in force, a new one saved, the versions with what
changed, one restored, the TOML exported and imported. The rules are the core's
(core/settings.py); the admin changes everything, the duty manager the notices and thresholds."""
from __future__ import annotations

from flask import Response

from core import settings as hall_settings
from web.api import ok, route
from web.context import ctx, run
from web.schemas import ImportSettings, RestoreSettings, SaveSettings

from . import bp

READERS = ("manager", "admin")


def _only(staff):
    return None if staff.role == "admin" else hall_settings.MANAGER_MAY


def _saved(version: dict) -> dict:
    return {"version": version, "in_force": ctx().hall.plan.version}


@route(bp, "/api/settings", "GET",
       summary="The settings in force (the config as the TOML file has it, as JSON), its version, "
               "and what this person may change", tag="admin", roles=READERS)
def get_settings(staff):
    hall = ctx().hall
    version = hall.settings.in_force()
    return ok({"version": version["id"] if version else None,
               "config": hall_settings.plain(hall.base_config),
               "may_change": "all" if staff.role == "admin" else ["hall.notices", "alerts"]})


@route(bp, "/api/settings", "POST",
       summary="Save the settings as a new version (`base_version`: the one edited), now or from the "
               "next business day; validated as the TOML file is", tag="admin", roles=READERS,
       body=SaveSettings, errors=(403, 409))
def save_settings(staff, body: SaveSettings):
    v = run(ctx().hall.save_settings, body.config, staff.username, body.base_version, body.when,
            only=_only(staff))
    return ok(_saved(v), 201)


@route(bp, "/api/settings/versions", "GET", summary="The versions, newest first: who, when, what changed",
       tag="admin", roles=READERS)
def list_versions(staff):
    hall = ctx().hall
    return ok({"versions": hall.settings.versions(), "in_force": hall.plan.version})


@route(bp, "/api/settings/versions/<int:version_id>", "GET", summary="One version, with its config",
       tag="admin", roles=READERS, errors=(404,))
def get_version(version_id: int, staff):
    return ok(ctx().hall.settings.version(version_id))


@route(bp, "/api/settings/versions/<int:version_id>/restore", "POST",
       summary="Restore a version (as a new version)", tag="admin", roles=("admin",),
       body=RestoreSettings, errors=(404, 409))
def restore_version(version_id: int, staff, body: RestoreSettings):
    return ok(_saved(run(ctx().hall.restore_settings, version_id, staff.username, body.when)), 201)


@route(bp, "/api/settings.toml", "GET", summary="The settings in force as the hall's TOML file",
       tag="admin", roles=READERS)
def export_toml(staff):
    text = hall_settings.as_toml(hall_settings.plain(ctx().hall.base_config))
    return Response(text, mimetype="application/toml", headers={
        "Content-Disposition": 'attachment; filename="hall.toml"'})


@route(bp, "/api/settings.toml", "POST", summary="Import a TOML file as a new version",
       tag="admin", roles=("admin",), body=ImportSettings, errors=(409,))
def import_toml(staff, body: ImportSettings):
    raw = hall_settings.from_toml(body.toml)
    v = run(ctx().hall.save_settings, raw, staff.username, when=body.when, source="import")
    return ok(_saved(v), 201)
