"""Live events through Flask-SocketIO's test client."""
from __future__ import annotations

from conftest import device_headers, issue, login
from core.presenters import read_place
from core.views import public_id


def sio(app, http=None):
    socketio = app.extensions["hall"].socketio
    return socketio.test_client(app, flask_test_client=http)


def named(received, name):
    return [m["args"][0] for m in received if m["name"] == name]


def test_hall_state_on_connect(app, client, clerk):
    issue(client, "F-NEW")
    issue(client, "M-NEW")
    clerk.post("/api/counters/1/call-next")
    s = sio(app)
    state = named(s.get_received(), "hall_state")[0]
    assert state["waiting"]["M-NEW"] == 1 and state["waiting"]["F-NEW"] == 0
    assert set(state["waiting"]) == {b["code"] for b in client.get("/api/hall").get_json()["businesses"]}
    assert state["last_calls"][0]["number"] == "A001" and state["last_calls"][0]["counter"] == "1"
    c1 = next(c for c in state["counters"] if c["id"] == "1")
    assert c1["state"] == "open" and c1["current"] == "A001"


def test_call_and_recall_reach_everyone(app, client, clerk):
    watchers = [sio(app) for _ in range(3)]
    [w.get_received() for w in watchers]
    t = issue(client, "F-NEW").get_json()
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/recall")
    for w in watchers:
        got = w.get_received()
        calls = named(got, "ticket_called")
        assert [c["recall"] for c in calls] == [False, True]
        first = calls[0]
        assert first == {**first, "ticket_id": public_id(t["id"]), "number": "A001", "counter": "1",
                         "counter_name": "1号窗口", "business": "F-NEW"}
        assert first["called_at"].endswith("+08:00")
        assert named(got, "queue_changed")[-1]["waiting"]["F-NEW"] == 0


def test_queue_changed_on_issue(app, client):
    w = sio(app)
    w.get_received()
    issue(client, "M-TOPUP")
    assert named(w.get_received(), "queue_changed")[-1]["waiting"]["M-TOPUP"] == 1


def test_phone_tracking_gets_updates_with_on_deck(app, client, clerk, clock):
    tickets = [issue(client, "F-NEW").get_json() for _ in range(4)]
    phone = sio(app)
    phone.get_received()
    ack = phone.emit("track", {"ticket": tickets[2]["id"]}, callback=True)
    assert ack == {"ok": True}
    first = named(phone.get_received(), "ticket_update")
    # Counter 1 would take A001 then A002: those two are on deck, A003 not yet.
    assert first[-1]["status"] == "waiting" and first[-1]["ahead"] == 2 and first[-1]["on_deck"] is False
    clerk.post("/api/counters/1/call-next")                 # A001 called → A003 ahead 1
    upd = named(phone.get_received(), "ticket_update")
    assert upd[-1]["ahead"] == 1 and upd[-1]["on_deck"] is True and upd[-1]["deck_position"] == 2
    clerk.post("/api/counters/1/start")
    clock.advance(300)
    clerk.post("/api/counters/1/call-next")                 # A002 called → A003 next
    assert named(phone.get_received(), "ticket_update")[-1]["deck_position"] == 1
    clerk.post("/api/counters/1/start")
    clock.advance(300)
    clerk.post("/api/counters/1/call-next")                 # A003 called
    upd = named(phone.get_received(), "ticket_update")[-1]
    assert upd["status"] == "called" and upd["counter"] == "1" and upd["counter_name"] == "1号窗口"
    clerk.post("/api/counters/1/recall")                     # the phone says 重呼
    assert [u["recalls"] for u in named(phone.get_received(), "ticket_update")] == [1]
    # Other tickets' phones do not get this ticket's updates.
    other = sio(app)
    other.emit("track", {"ticket": tickets[3]["id"]})
    other.get_received()
    clerk.post("/api/counters/1/finish")
    assert named(phone.get_received(), "ticket_update")[-1]["status"] == "done"
    assert all(u["ticket"] == tickets[3]["id"] for u in named(other.get_received(), "ticket_update"))


def _received(client, name, until=lambda payload: True, timeout_s=5.0):
    """Events pushed by the screens' background task: waited for (until one satisfies
    `until`), not expected at once."""
    import time
    deadline, got = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        got += named(client.get_received(), name)
        if got and until(got[-1]):
            return got
        time.sleep(0.02)
    return got


def test_a_phone_reading_places_is_told_its_place_by_one_broadcast(app, client, clerk, clock):
    tickets = [issue(client, "F-NEW").get_json() for _ in range(4)]
    phones = [sio(app) for _ in range(2)]
    for phone, t in zip(phones, tickets[2:]):
        assert phone.emit("track", {"ticket": t["id"], "places": True}, callback=True) == {"ok": True}
        assert named(phone.get_received(), "ticket_update")[-1]["ahead"] == t["ahead"]
    stranger = sio(app)
    stranger.get_received()
    clerk.post("/api/counters/1/call-next")                 # A001 called: everyone moves up
    for phone, t in zip(phones, tickets[2:]):
        places = _received(phone, "places", lambda p: read_place(p, "F-NEW", "A001") is None)[-1]
        assert read_place(places, "F-NEW", "A001") is None              # called: out of the queue
        ahead, wait, deck = read_place(places, "F-NEW", t["number"])
        assert ahead == t["ahead"] - 1
        view = client.get(f"/api/tickets/{t['id']}").get_json()      # the same projection
        assert (ahead, wait, deck) == (view["ahead"], view["estimated_wait_s"], view["deck_position"] or 0)
        # Its place came in the broadcast: no personal message for it.
        assert named(phone.get_received(), "ticket_update") == []
    assert named(stranger.get_received(), "places") == []   # only phones that asked
    clerk.post("/api/counters/1/start")
    clock.advance(300)
    clerk.post("/api/counters/1/call-next")                 # A002 called: its own update
    assert named(phones[0].get_received(), "ticket_update") == []
    clerk.post("/api/counters/1/start")
    clock.advance(300)
    clerk.post("/api/counters/1/call-next")                 # A003 called: its phone is told
    assert named(phones[0].get_received(), "ticket_update")[-1]["status"] == "called"


def test_a_wall_is_pushed_its_board_after_each_change_and_never_asks(app, client, clerk):
    socketio = app.extensions["hall"].socketio
    wall = socketio.test_client(app, auth={"topics": ["wall"]})
    first = named(wall.get_received(), "hall_state")[-1]
    other = sio(app)
    other.get_received()
    for _ in range(3):
        issue(client, "F-NEW")
    board = _received(wall, "hall_state", lambda b: b["waiting"]["F-NEW"] == 3)[-1]
    assert board["v"] > first["v"] and board["waiting"]["F-NEW"] == 3
    clerk.post("/api/counters/1/call-next")
    pushed = _received(wall, "hall_state", lambda b: b["waiting"]["F-NEW"] == 2)[-1]
    one = next(c for c in pushed["counters"] if c["id"] == "1")
    assert pushed["v"] > board["v"] and one["current"] == "A001" and one["on_deck"] == "A002"
    assert pushed["last_calls"][0]["number"] == "A001"
    # The same board as a socket connecting now is given; a socket that did not ask is not pushed it.
    assert {k: v for k, v in pushed.items()} == named(sio(app).get_received(), "hall_state")[0]
    assert named(other.get_received(), "hall_state") == []


def test_track_with_bad_input(app):
    phone = sio(app)
    phone.get_received()
    for bad in (None, "x", {"ticket": 5}, {"ticket": "no-such"}, {"ticket": "y" * 500}, [1]):
        ack = phone.emit("track", bad, callback=True)
        assert ack["error"]["code"] in ("invalid_body", "unknown_ticket"), bad
    assert len(named(phone.get_received(), "track_error")) == 6
    assert phone.is_connected()


def test_reconnect_gets_the_truth(app, client, clerk):
    s = sio(app)
    s.get_received()
    s.disconnect()
    # While it is away the hall moves on.
    for _ in range(3):
        issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/start")
    s.connect()
    state = named(s.get_received(), "hall_state")[0]
    fresh = named(sio(app).get_received(), "hall_state")[0]
    assert state == fresh
    assert state["waiting"]["F-NEW"] == 2
    c1 = next(c for c in state["counters"] if c["id"] == "1")
    assert c1["current"] == "A001" and c1["current_status"] == "serving"
    assert c1["on_deck"] == "A002" and c1["third"] == "A003"


def test_staff_sockets_join_the_staff_room(app):
    http = app.test_client()
    login(http, "demo-manager")
    staff = sio(app, http)
    public = sio(app)
    staff.get_received(), public.get_received()
    app.extensions["hall"].publisher.device_status(
        {"device": "printer-k1", "kind": "printer", "kiosk": "k1", "ok": False, "state": "paper_out"})
    assert named(staff.get_received(), "device_status")[0]["state"] == "paper_out"
    assert named(public.get_received(), "device_status") == []


def test_counter_changes_are_broadcast(app, clerk):
    w = sio(app)
    w.get_received()
    clerk.post("/api/counters/1/pause")
    change = named(w.get_received(), "counter_changed")[-1]
    assert change["id"] == "1" and change["state"] == "paused" and change["change"] == "paused"


def test_no_broadcast_hands_out_a_ticket_token(app, client, clerk):
    """The token opens the phone page and the rating: a stranger's socket never sees one."""
    t = issue(client, "F-NEW").get_json()
    stranger = sio(app)
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/finish")
    late = sio(app)                                         # hall_state's last_calls too
    seen = repr(stranger.get_received()) + repr(late.get_received())
    assert "A001" in seen and t["id"] not in seen
    r = client.post(f"/api/tickets/{public_id(t['id'])}/rating", json={"score": 1})
    assert r.status_code == 404                             # the digest rates nothing


def test_events_go_out_even_when_the_request_fails_after_the_command(tmp_path, clock):
    """A command's events are sent when the request ends; a view that fails after the command
    committed must not swallow them (the wall would miss a call)."""
    from web import create_app
    from web.context import ctx, run
    app = create_app(None, tmp_path / "late.db", demo=True, clock=clock)

    @app.post("/_test/issue-then-fail")
    def issue_then_fail():
        run(ctx().hall.issue_ticket, "F-NEW", "late-1")
        raise RuntimeError("the view broke after the command")

    watcher = sio(app)
    watcher.get_received()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().post("/_test/issue-then-fail").status_code == 500
    assert named(watcher.get_received(), "queue_changed")[-1]["waiting"]["F-NEW"] == 1
    app.extensions["hall"].hall.store.close()


def test_a_call_is_broadcast_before_the_queue_counts(app, client, clerk):
    issue(client, "F-NEW")
    w = sio(app)
    w.get_received()
    clerk.post("/api/counters/1/call-next")
    names = [m["name"] for m in w.get_received()]
    assert names.index("ticket_called") < names.index("queue_changed")


def test_topics_keep_kiosk_and_counter_screen_events_off_the_phones(app, client, clerk, clock):
    """A phone gets the broadcasts; the kiosk's estimates and a counter screen's rating prompt go
    only to the enrolled devices that asked for them (and a made-up topic gets nothing; a
    stranger asking for a counter's topic gets nothing beyond the broadcasts)."""
    import time
    socketio = app.extensions["hall"].socketio
    phone = sio(app)
    kiosk = socketio.test_client(app, auth={"topics": ["estimates"]}, headers=device_headers(app))
    screen1 = socketio.test_client(app, auth={"topics": ["counter:1"]},
                                   headers=device_headers(app, "counter_screen", "1"))
    screen2 = socketio.test_client(app, auth={"topics": ["counter:2", "counter:99", 7, "staff"]},
                                   headers=device_headers(app, "counter_screen", "2"))
    stranger = socketio.test_client(app, auth={"topics": ["counter:1", "estimates"]})
    wrong = socketio.test_client(app, auth={"topics": ["counter:1"]},      # counter 2's screen
                                 headers=device_headers(app, "counter_screen", "2"))
    for c in (phone, kiosk, screen1, screen2, stranger, wrong):
        c.get_received()
    issue(client, "F-NEW")
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/start")
    clock.advance(120)
    clerk.post("/api/counters/1/call-next")          # finishes the first: the pad asks for a rating
    deadline = time.monotonic() + 5
    got = {}
    while time.monotonic() < deadline and not named(got.get("kiosk", []), "estimates_changed"):
        got.setdefault("kiosk", []).extend(kiosk.get_received())
        time.sleep(0.05)
    got.update(phone=phone.get_received(), screen1=screen1.get_received(), screen2=screen2.get_received(),
               stranger=stranger.get_received(), wrong=wrong.get_received())
    assert named(got["kiosk"], "estimates_changed")[-1]["estimates"]["F-NEW"]["waiting"] == 0
    assert named(got["screen1"], "service_finished") == [{"counter": "1", "number": "A001"}]
    for who in ("phone", "screen2", "stranger", "wrong"):
        assert len(named(got[who], "ticket_called")) == 2
        assert not named(got[who], "service_finished") and not named(got[who], "estimates_changed")
        assert not named(got[who], "ticket_issued")       # "staff" as a topic opens nothing


def _staff_socket(app, username, topics=()):
    http = app.test_client()
    login(http, username)
    socketio = app.extensions["hall"].socketio
    s = socketio.test_client(app, flask_test_client=http, auth={"topics": list(topics)})
    s.get_received()
    return http, s


def test_the_clerk_is_pushed_the_desk_and_every_answer_carries_it(app, client, clerk):
    socketio = app.extensions["hall"].socketio
    desk_socket = socketio.test_client(app, flask_test_client=clerk)
    desk_socket.get_received()
    _, guide = _staff_socket(app, "demo-guide")              # staff, but not this counter's clerk
    for _ in range(3):
        issue(client, "F-NEW")
    pushed = _received(desk_socket, "desk", lambda d: d["waiting"]["F-NEW"] == 3)[-1]
    assert pushed["counter"]["id"] == "1" and pushed["counter"]["on_deck"] == "A001"
    answer = clerk.post("/api/counters/1/call-next").get_json()
    # The answer carries the whole desk, as GET …/desk gives it, at the answer's version.
    got = clerk.get("/api/counters/1/desk").get_json()
    assert answer["version"] > pushed["v"] and answer["ticket"]["number"] == "A001"
    assert answer["desk"] == {k: v for k, v in got.items() if k != "version"}
    assert answer["desk"]["customer"]["number"] == "A001" and answer["desk"]["waiting"]["F-NEW"] == 2
    after = _received(desk_socket, "desk", lambda d: d["v"] >= answer["version"])[-1]
    assert after["v"] == answer["version"] == got["version"]
    assert {k: v for k, v in after.items() if k != "v"} == answer["desk"]
    # A tick (no event) answers its desk; an after-service record answers what is recorded.
    ticked = clerk.post("/api/counters/1/checklist", json={"key": "welcome", "ticked": True}).get_json()
    assert ticked["version"] > answer["version"]
    assert ticked["desk"]["customer"]["checklist"][0]["ticked"] is True
    assert named(guide.get_received(), "desk") == []        # only the clerk's own pages


def test_the_guide_is_pushed_the_floor_and_the_manager_the_board(app, client, clerk):
    guide_http, guide = _staff_socket(app, "demo-guide", ["floor"])
    manager_http, manager = _staff_socket(app, "demo-manager", ["board"])
    issue(client, "F-NEW")
    floor = _received(guide, "floor", lambda f: f["counters"][0]["on_deck"])[-1]
    assert floor["counters"][0]["on_deck"]["number"] == "A001"
    assert floor["counters"][0]["clerk_name"]                 # named, as GET /api/floor answers
    # A help request moves no queue: the floor and the board are drawn again all the same.
    client.post("/api/kiosks/k1/help", json={}, headers=device_headers(app))
    helped = _received(guide, "floor", lambda f: f["help"])[-1]
    assert helped["v"] > floor["v"] and helped["help"][0]["kiosk"] == "k1"
    assert helped == guide_http.get("/api/floor").get_json()
    board = _received(manager, "board", lambda b: b["waiting_total"] == 1)[-1]
    clerk.post("/api/counters/1/call-next")
    called = _received(manager, "board", lambda b: b["counters"][0]["current"])[-1]
    assert called["v"] > board["v"] and called["counters"][0]["current"]["number"] == "A001"
    assert called["counters"][0]["clerk_name"] and isinstance(called["devices"], list)
    assert called == manager_http.get("/api/manager/hall").get_json()
    assert named(guide.get_received(), "board") == [] and named(manager.get_received(), "floor") == []


def test_a_counter_screen_is_pushed_its_own_screen(app, client, clerk):
    socketio = app.extensions["hall"].socketio
    screen = socketio.test_client(app, auth={"topics": ["counter:1"]},
                                  headers=device_headers(app, "counter_screen", "1"))
    other = socketio.test_client(app, auth={"topics": ["counter:2"]},
                                 headers=device_headers(app, "counter_screen", "2"))
    screen.get_received()
    other.get_received()
    issue(client, "F-NEW")
    clerk.post("/api/counters/1/call-next")
    pushed = _received(screen, "screen", lambda s: s["current"] == "A001")[-1]
    assert pushed["id"] == "1" and pushed["state"] == "open" and pushed["clerk_name"]
    assert pushed == client.get("/api/counters/1/screen").get_json()
    assert all(s["id"] == "2" for s in named(other.get_received(), "screen"))


def test_strangers_and_other_roles_are_refused_the_staff_topics(app, client, clerk):
    socketio = app.extensions["hall"].socketio
    stranger = socketio.test_client(app, auth={"topics": ["floor", "board", "u:demo-clerk"]})
    _, clerk_socket = _staff_socket(app, "demo-clerk", ["floor", "board"])
    _, guide = _staff_socket(app, "demo-guide", ["floor", "board"])
    _, watcher = _staff_socket(app, "demo-manager", ["board"])
    stranger.get_received()
    issue(client, "F-NEW")
    client.post("/api/kiosks/k1/help", json={}, headers=device_headers(app))
    clerk.post("/api/counters/1/call-next")
    _received(watcher, "board", lambda b: b["counters"][0]["current"])      # the pushes went out
    got = {"stranger": stranger.get_received(), "clerk": clerk_socket.get_received(),
           "guide": guide.get_received()}
    for who, received in got.items():
        assert not named(received, "board"), who
        assert not named(received, "desk") or who == "clerk", who
    assert not named(got["stranger"], "floor") and not named(got["clerk"], "floor")
    assert named(got["guide"], "floor")
