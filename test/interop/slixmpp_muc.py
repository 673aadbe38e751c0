#!/usr/bin/python3
"""Drives two slixmpp clients (Alice, 1001, owner of the group "Team", and
Bob, 1002, not yet a member) against hermod over STARTTLS through groups as
multi-user chat rooms, with slixmpp's own MUC (XEP-0045), bookmarks
(XEP-0048 in private XML), direct invitation (XEP-0249), ping and data form
plugins, and a Turms-protocol member of the group (Carol, 1003, a bot run by
the Go test: she answers "ping X" in the group with "pong: ping X" and says
"announcement: X" when the group's announcement changes):

  Alice finds the room on the service and in her bookmarks, joins it by the
  bookmark, pings herself in it (XEP-0410), talks with Carol both ways,
  changes the subject (Carol's Turms client sees the announcement); invites
  Bob, who enters by accepting; makes him admin, kicks him (he is no member
  any more and may not come back), invites him directly (XEP-0249) and he
  comes back; creates a room of her own at an address she chooses,
  configures its name and destroys it.

Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, PresenceError

HOST, PORT, DOMAIN, ROOM = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ALICE, BOB = f"1001@{DOMAIN}", f"1002@{DOMAIN}"
SERVICE = ROOM.split("@", 1)[1]


def client(jid, pw):
    c = slixmpp.ClientXMPP(f"{jid}/slix", pw)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0004", "xep_0045", "xep_0048", "xep_0049", "xep_0199", "xep_0249"):
        c.register_plugin(p)
    return c


async def main():
    loop = asyncio.get_event_loop()
    alice, bob = client(ALICE, "pw-1001"), client(BOB, "pw-1002")
    waiting = []  # (who, predicate, future)

    def expect(who, pred):
        f = loop.create_future()
        waiting.append((who, pred, f))
        return f

    def offer(who, kind, st):
        for w, pred, f in list(waiting):
            if w is who and not f.done() and pred(kind, st):
                f.set_result(st)
                waiting.remove((w, pred, f))

    for who in (alice, bob):
        for kind in ("groupchat_message", "groupchat_presence", "groupchat_invite", "groupchat_direct_invite"):
            who.add_event_handler(kind, lambda st, who=who, kind=kind: offer(who, kind, st))

    async def wait(fut, what):
        try:
            return await asyncio.wait_for(fut, 10)
        except asyncio.TimeoutError:
            raise SystemExit(f"timed out waiting for {what}")

    async def start(c):
        started = loop.create_future()

        async def session_start(_):
            c.send_presence()
            started.set_result(True)

        c.add_event_handler("session_start", session_start)
        c.connect((HOST, PORT))
        await asyncio.wait_for(started, 20)

    def groupchat(frm, body):
        return lambda k, m: k == "groupchat_message" and str(m["from"]) == frm and m["body"] == body

    def presence_of(nick, test):
        return lambda k, p: k == "groupchat_presence" and p["from"].resource == nick and test(p)

    await start(alice)

    # The service lists Alice's group, and so do her bookmarks.
    items = await alice["xep_0030"].get_items(jid=SERVICE)
    rooms = [i[0] for i in items["disco_items"]["items"]]
    if ROOM not in rooms:
        raise SystemExit(f"the service lists {rooms}, not {ROOM}")
    res = await alice["xep_0048"].get_bookmarks(method="xep_0049")
    confs = res["private"]["bookmarks"]["conferences"]
    marks = {str(c["jid"]): c for c in confs}
    if ROOM not in marks or not marks[ROOM]["autojoin"]:
        raise SystemExit(f"bookmarks {marks}")
    nick = marks[ROOM]["nick"] or "alice"
    print("the room is on the service and bookmarked with autojoin, nick", nick, flush=True)

    # Alice joins by her bookmark.
    pres, subject, _, _ = await alice["xep_0045"].join_muc_wait(ROOM, nick, maxstanzas=10, timeout=10)
    codes = pres["muc"]["status_codes"]
    if 110 not in codes or pres["muc"]["affiliation"] != "owner" or pres["muc"]["role"] != "moderator":
        raise SystemExit(f"self-presence {pres}")
    if subject["subject"] != "welcome to Team":
        raise SystemExit(f"subject {subject['subject']!r}")
    print("joined as owner and moderator; the subject is the announcement", flush=True)

    await alice["xep_0199"].send_ping(f"{ROOM}/{nick}", timeout=10)
    print("self-ping answered while joined", flush=True)

    # Talk with Carol (Turms) both ways.
    pong = expect(alice, groupchat(f"{ROOM}/Carol", "pong: ping slixmpp"))
    alice.send_message(mto=ROOM, mbody="ping slixmpp", mtype="groupchat")
    await wait(pong, "Carol's answer in the room")
    print("a groupchat message reached the Turms member, and her answer the room", flush=True)

    seen = expect(alice, groupchat(f"{ROOM}/Carol", "announcement: fresh subject"))
    alice["xep_0045"].set_subject(ROOM, "fresh subject")
    await wait(seen, "Carol to see the announcement")
    print("the subject is the Turms group's announcement", flush=True)

    # Bob is invited, and enters by accepting.
    await start(bob)
    invited = expect(bob, lambda k, m: k == "groupchat_invite" and m["from"].bare == ROOM)
    alice["xep_0045"].invite(ROOM, BOB, reason="join us")
    inv = await wait(invited, "Bob's invitation")
    if inv["muc"]["invite"]["reason"] != "join us":
        raise SystemExit(f"invitation {inv}")
    arrived = expect(alice, presence_of("bob", lambda p: p["type"] != "unavailable"))
    await bob["xep_0045"].join_muc_wait(ROOM, "bob", maxstanzas=0, timeout=10)
    await wait(arrived, "Bob's arrival")
    hello = expect(alice, groupchat(f"{ROOM}/bob", "hello from bob"))
    bob.send_message(mto=ROOM, mbody="hello from bob", mtype="groupchat")
    await wait(hello, "Bob's message")
    print("a mediated invitation let Bob in; he speaks", flush=True)

    # Admin, then a kick: Bob leaves the group.
    promoted = expect(bob, presence_of("bob", lambda p: p["muc"]["affiliation"] == "admin"))
    await alice["xep_0045"].set_affiliation(ROOM, "admin", jid=BOB)
    await wait(promoted, "Bob made admin")
    kicked = expect(bob, presence_of("bob", lambda p: p["type"] == "unavailable" and 307 in p["muc"]["status_codes"]))
    await alice["xep_0045"].set_role(ROOM, "bob", "none", reason="out")
    await wait(kicked, "Bob's kick")
    try:
        await bob["xep_0045"].join_muc_wait(ROOM, "bob", maxstanzas=0, timeout=10)
        raise SystemExit("Bob came back in after being kicked out of the group")
    except PresenceError as e:
        if e.condition != "registration-required":
            raise SystemExit(f"rejoining: {e.condition}")
    print("admin granted; the kick removed Bob from the group", flush=True)

    # A direct invitation brings him back.
    invited = expect(bob, lambda k, m: k == "groupchat_direct_invite" and m["groupchat_invite"]["jid"] == ROOM)
    alice["xep_0249"].send_invitation(BOB, ROOM, reason="come back")
    inv = await wait(invited, "the direct invitation")
    if inv["from"].bare != ALICE or inv["groupchat_invite"]["reason"] != "come back":
        raise SystemExit(f"direct invitation {inv}")
    await bob["xep_0045"].join_muc_wait(ROOM, "bob", maxstanzas=0, timeout=10)
    print("a direct invitation is a group invitation: Bob is back", flush=True)

    # A room of Alice's own, at an address she chooses.
    mine = f"slixroom@{SERVICE}"
    pres, _, _, _ = await alice["xep_0045"].join_muc_wait(mine, "alice", maxstanzas=0, timeout=10)
    if 201 not in pres["muc"]["status_codes"]:
        raise SystemExit(f"creating: {pres}")
    form = await alice["xep_0045"].get_room_config(mine)
    if "muc#roomconfig_roomname" not in form.get_fields():
        raise SystemExit(f"the form: {form}")
    answer = alice["xep_0004"].make_form(ftype="submit")
    answer.add_field(var="FORM_TYPE", value="http://jabber.org/protocol/muc#roomconfig")
    answer.add_field(var="muc#roomconfig_roomname", value="Slix Room")
    await alice["xep_0045"].set_room_config(mine, answer)
    info = await alice["xep_0030"].get_info(jid=mine)
    names = [i[3] for i in info["disco_info"]["identities"]]
    if "Slix Room" not in names:
        raise SystemExit(f"room identities {names}")
    await alice["xep_0045"].destroy(mine, reason="done")
    try:
        await alice["xep_0030"].get_info(jid=mine)
        raise SystemExit("the destroyed room still answers")
    except IqError as e:
        if e.condition != "item-not-found":
            raise SystemExit(f"destroyed room: {e.condition}")
    print("created a room at a chosen address, configured and destroyed it", flush=True)

    await bob.disconnect()
    await alice.disconnect()
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 80))
    except BaseException as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
