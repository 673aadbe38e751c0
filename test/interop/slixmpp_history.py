#!/usr/bin/python3
"""Drives slixmpp's MAM (XEP-0313 with XEP-0059 paging) and archive
preferences (XEP-0441) against hermod: Alice (XMPP) chats with Carol, a
Turms-protocol user (an echo bot run by the Go test), then reads the
conversation back from her archive forwards and backwards in pages, checks
that Carol's messages carry the archive ids they were delivered with, reads
the archive metadata, and hides Carol with a preference. Exits 0 when every
step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp

HOST, PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ALICE, CAROL = f"1001@{DOMAIN}", f"1003@{DOMAIN}"
ROUNDS = 4


def client(jid, password, resource):
    c = slixmpp.ClientXMPP(f"{jid}/{resource}", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0059", "xep_0297", "xep_0313", "xep_0359", "xep_0441"):
        c.register_plugin(p)
    return c


def check(cond, what):
    if not cond:
        raise SystemExit(what)


async def main():
    loop = asyncio.get_event_loop()
    alice = client(ALICE, "pw-1001", "slix")
    started = loop.create_future()
    pongs = {}  # text -> (stanza-id, future)

    async def on_start(_):
        await alice.get_roster()
        alice.send_presence()
        started.set_result(True)
    alice.add_event_handler("session_start", on_start)

    def on_message(msg):
        body = msg["body"]
        if body in pongs and not pongs[body][1].done():
            pongs[body][1].set_result(msg["stanza_id"]["id"])
    alice.add_event_handler("message", on_message)

    alice.connect((HOST, PORT))
    await asyncio.wait_for(started, 20)
    info = await alice["xep_0030"].get_info(jid=ALICE)
    features = info["disco_info"]["features"]
    check("urn:xmpp:mam:2" in features and "urn:xmpp:mam:2#extended" in features,
          f"the account does not announce MAM: {features}")

    want = []
    for i in range(1, ROUNDS + 1):
        text = f"ping {i}"
        pongs["pong: " + text] = (None, loop.create_future())
        alice.send_message(mto=CAROL, mbody=text, mtype="chat")
        sid = await asyncio.wait_for(pongs["pong: " + text][1], 10)
        check(sid, f"'pong: {text}' came without a stanza-id")
        pongs["pong: " + text] = (sid, pongs["pong: " + text][1])
        want += [(text, ALICE, CAROL), ("pong: " + text, CAROL, ALICE)]
    print("chatted with the Turms user", flush=True)

    def read(results):
        out = []
        for r in results:
            fwd = r["mam_result"]["forwarded"]
            m = fwd["stanza"]
            check(fwd["delay"]["stamp"] is not None, "a result without its time")
            body = m["body"]
            if body.startswith("pong"):
                check(r["mam_result"]["id"] == pongs[body][0],
                      f"archive id {r['mam_result']['id']} of {body!r}, delivered with {pongs[body][0]}")
            out.append((body, m["from"].bare, m["to"].bare))
        return out

    forward = read([m async for m in alice["xep_0313"].iterate(with_jid=slixmpp.JID(CAROL), rsm={"max": 3})])
    check(forward == want, f"forward pages: {forward}")
    print("paged forwards:", len(forward), "messages", flush=True)

    backward = read([m async for m in alice["xep_0313"].iterate(with_jid=slixmpp.JID(CAROL), rsm={"max": 3}, reverse=True)])
    check(backward == list(reversed(want)), f"backward pages: {backward}")
    print("paged backwards", flush=True)

    md = await alice["xep_0313"].get_archive_metadata()
    check(md["mam_metadata"]["start"]["id"] and md["mam_metadata"]["end"]["id"] == pongs[f"pong: ping {ROUNDS}"][0],
          f"metadata: {md}")
    print("archive metadata", flush=True)

    await alice["xep_0441"].set_preferences(default="always", never=[slixmpp.JID(CAROL)])
    default, always, never = await alice["xep_0441"].get_preferences()
    check(default == "always" and {j.bare for j in never} == {CAROL}, f"preferences: {default} {always} {never}")
    hidden = [m async for m in alice["xep_0313"].iterate(rsm={"max": 5})]
    check(hidden == [], f"the archive still shows {len(hidden)} messages with Carol")
    await alice["xep_0441"].set_preferences(default="always")
    shown = [m async for m in alice["xep_0313"].iterate(rsm={"max": 5})]
    check(len(shown) == len(want), f"the archive shows {len(shown)} messages again")
    print("preferences hide and show Carol", flush=True)

    await alice.disconnect()
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 60))
    except Exception as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
