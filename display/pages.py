"""The display's pages, and the announcements they play."""
from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, render_template, request, send_file, url_for

from core import views
from core.errors import HallError, NotFound, Unavailable
from web import states, trust
from web.api import ok, route
from web.context import ctx, run
from web.pairing import pairing_screen
from web.i18n import both_languages, select_locale
from web.schemas import CounterScreenOut, Rating, RatingOut

from . import bp
from .strings import STRINGS
from .voice import Announcer, VoiceError, call_texts, pause_texts

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"^[A-Z]{1,2}\d{3}$")


def _page(**extra) -> dict:
    hall = ctx().hall
    config = hall.config
    return {"hall": views.hall_view(config, version=hall.plan.version), "strings": both_languages(STRINGS),
            "lang": select_locale(), "voice": config.voice.engine, "voice_repeat": config.voice.repeat,
            **extra}


@bp.get("/display")
def wall():
    config = ctx().hall.config
    zone_id = request.args.get("zone")
    zone = config.zone(zone_id) if zone_id else None
    if zone_id and zone is None:
        abort(404)
    counters = list(zone.counters) if zone else [c.id for c in config.counters]
    page = _page(zone=zone.id if zone else None, zone_name=zone.name if zone else None,
                 counters=counters, silence=url_for("display.static", filename="silence.wav"))
    return render_template("display/wall.html", page=page, hall=config.hall)


@bp.get("/display/counter/<counter_id>")
def counter_screen(counter_id: str):
    config = ctx().hall.config
    if config.counter(counter_id) is None:
        abort(404)
    device = trust.current_device()
    if device is None or not device.speaks_for("counter_screen", counter_id):
        return pairing_screen("counter_screen", counter_id, wrong=device)   # it rates services
    page = _page(counter=counter_id, rate_s=20)
    return render_template("display/counter.html", page=page, hall=config.hall)


@bp.get("/t/<token>")
def phone(token: str):
    hall = ctx().hall
    try:
        ticket = hall.ticket(token)
    except NotFound:                            # a mistyped link, or not one of ours: say so
        return render_template("display/phone_missing.html", page=_page(),
                               hall=hall.config.hall), 404
    page = _page(ticket=token, ticket_public=views.public_id(token), id_required=bool(
        (b := hall.config.business(ticket.business)) and b.id_required))
    return render_template("display/phone.html", page=page, hall=hall.config.hall)


@route(bp, "/api/counters/<counter_id>/screen", "GET",
       summary="What a counter's own screen shows (pushed as `screen`, topic \"counter:<id>\")",
       tag="display", answers={200: CounterScreenOut}, errors=(404,))
def counter_screen_state(counter_id: str):
    c = ctx()
    if c.hall.config.counter(counter_id) is None:
        raise NotFound("unknown_counter", f"没有编号为 {counter_id} 的窗口")
    p = c.hall.picture()
    return ok(states.screen(c, counter_id, p, v=p.version))


@route(bp, "/api/counters/<counter_id>/rating", "POST",
       summary="The counter's rating pad: rate the service it finished last (within 2 minutes)",
       tag="display", body=Rating, answers={201: RatingOut}, errors=(401, 403, 404, 409), guard=trust.counter_screen_at)
def rate_at_counter(counter_id: str, body: Rating):
    ticket = run(ctx().hall.rate_at_counter, counter_id, body.score, body.comment)
    return ok({"ticket": ticket.number, "score": body.score}, 201)


# --- announcements -------------------------------------------------------------------------
def announcer() -> Announcer:
    ext = current_app.extensions
    voice = ctx().hall.config.voice
    # Made again when the settings change the voice (compared with the voice it was made for).
    if "announcer" not in ext or ext.setdefault("announcer_voice", voice) != voice:
        ext["announcer"] = Announcer(voice, ROOT / "var" / "voice")
    ext["announcer_voice"] = voice
    return ext["announcer"]


def _wav(texts):
    a = announcer()
    if not a.server_side:
        raise HallError("voice_in_browser", "本厅语音由浏览器播报", status=404)
    for attempt in (1, 2):
        try:
            return send_file(a.render(texts), mimetype="audio/wav", max_age=86400)
        except VoiceError as e:
            raise Unavailable("voice_unavailable", "语音合成暂不可用") from e
        except FileNotFoundError:           # trimmed from the cache between render and send
            if attempt == 2:
                raise


@bp.get("/api/announcements/call.wav")
def call_announcement():
    config = ctx().hall.config
    number, counter_id = request.args.get("number", ""), request.args.get("counter", "")
    counter = config.counter(counter_id)
    if not NUMBER.match(number) or counter is None:
        raise HallError("invalid_announcement", "叫号内容有误")
    # Only today's tickets are said: anyone can fetch this, and each new text is a render and
    # a file in the cache.
    if ctx().hall.ticket_today(number) is None:
        raise NotFound("unknown_ticket", f"今天没有 {number} 号")
    recall = request.args.get("recall") == "1"
    return _wav(call_texts(number, counter.name, counter.id, recall, config.voice.english))


@bp.get("/api/announcements/pause.wav")
def pause_announcement():
    config = ctx().hall.config
    counter = config.counter(request.args.get("counter", ""))
    if counter is None:
        raise HallError("invalid_announcement", "叫号内容有误")
    return _wav(pause_texts(counter.name, counter.id, config.voice.english))
