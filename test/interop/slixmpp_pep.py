#!/usr/bin/python3
"""Drives two slixmpp clients through PEP against hermod, with slixmpp's
own plugins: OMEMO-style device lists and bundles published with
publish-options (XEP-0060, XEP-0163) and followed through entity
capabilities (XEP-0115), publish-options preconditions, avatars
(XEP-0084, with the vCard photo of XEP-0153), a nickname (XEP-0172),
private XML storage (XEP-0049) and PEP-native private storage (XEP-0223).

Arguments: host port domain avatar.png carol-avatar-sha1. Alice (1001)
and Bob (1002) are friends; Carol (1003) is a Turms user, Alice's friend,
whose profile picture has the given SHA-1. Alice publishes avatar.png and
the nickname "Alice over XMPP": the Go test checks that Turms clients see
both. Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import base64
import hashlib
import logging
import ssl
import sys
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ElementBase

HOST, PORT, DOMAIN, AVATAR, CAROL_SHA1 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ALICE, BOB, CAROL = f"1001@{DOMAIN}", f"1002@{DOMAIN}", f"1003@{DOMAIN}"
DEVICES, BUNDLES = "urn:xmpp:omemo:2:devices", "urn:xmpp:omemo:2:bundles"
OMEMO = "urn:xmpp:omemo:2"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"


class Prefs(ElementBase):
    """A private XML payload (XEP-0049)."""
    name = "prefs"
    namespace = "urn:example:prefs"
    plugin_attrib = "prefs"
    interfaces = {"theme"}
    sub_interfaces = interfaces


class Secret(ElementBase):
    """A PEP-native private payload (XEP-0223)."""
    name = "secret"
    namespace = "urn:example:secret"
    plugin_attrib = "secret"
    interfaces = {"value"}

    def get_value(self):
        return self.xml.text

    def set_value(self, v):
        self.xml.text = v


def client(jid, password):
    c = slixmpp.ClientXMPP(f"{jid}/slix", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0004", "xep_0060", "xep_0115", "xep_0163", "xep_0084",
              "xep_0054", "xep_0153", "xep_0172", "xep_0049", "xep_0223", "xep_0199"):
        c.register_plugin(p)
    c.roster.auto_authorize = False
    c.roster.auto_subscribe = False
    return c


def options(c, **fields):
    form = c["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value=PUBLISH_OPTIONS)
    for k, v in fields.items():
        form.add_field(var="pubsub#" + k, value=v)
    return form


def device_list(*ids):
    el = ET.Element(f"{{{OMEMO}}}devices")
    for i in ids:
        ET.SubElement(el, f"{{{OMEMO}}}device", id=str(i))
    return el


def bundle(spk):
    el = ET.Element(f"{{{OMEMO}}}bundle")
    ET.SubElement(el, f"{{{OMEMO}}}spk", id="1").text = spk
    ET.SubElement(el, f"{{{OMEMO}}}ik").text = "aWs="
    return el


def condition(err):
    iq = err.iq
    app = [c.tag for c in iq["error"].xml if c.tag.startswith("{http://jabber.org/protocol/pubsub#errors}")]
    return iq["error"]["condition"], [a.split("}")[1] for a in app]


async def main():
    loop = asyncio.get_event_loop()
    alice, bob = client(ALICE, "pw-1001"), client(BOB, "pw-1002")
    started = {n: loop.create_future() for n in ("alice", "bob")}
    events = asyncio.Queue()  # (receiver, from bare, node, item id, payload)

    def on_start(name, c):
        async def handler(_):
            await c.get_roster()
            c["xep_0163"].add_interest(DEVICES)
            await c["xep_0115"].update_caps()
            c.send_presence()
            started[name].set_result(True)
        return handler

    def on_publish(name):
        # slixmpp fires this once per item, iterating the items itself (a
        # second iteration here would restart its loop).
        def handler(msg):
            items = msg["pubsub_event"]["items"]
            item = items["item"]
            events.put_nowait((name, msg["from"].bare, items["node"], item["id"], item.get_payload()))
        return handler

    avatar_presence = {}

    def on_presence(pres):
        photo = pres["vcard_temp_update"]["photo"]
        if pres["from"].bare == ALICE and photo:
            avatar_presence.setdefault(photo, loop.create_future())
            if not avatar_presence[photo].done():
                avatar_presence[photo].set_result(True)

    for name, c in (("alice", alice), ("bob", bob)):
        c.add_event_handler("session_start", on_start(name, c))
        c.add_event_handler("pubsub_publish", on_publish(name))
    bob.add_event_handler("vcard_avatar_update", on_presence)

    async def expect(receiver, frm, node, check=lambda item_id, payload: True):
        while True:
            who, f, n, item_id, payload = await asyncio.wait_for(events.get(), 15)
            if (who, f, n) == (receiver, frm, node) and check(item_id, payload):
                return item_id, payload

    alice.connect((HOST, PORT))
    bob.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(*started.values()), 20)
    print("logged in, following", DEVICES, flush=True)

    # Each publishes a device list, open to all, and sees its own: the
    # server has learnt what each client follows from its caps.
    for name, c, dev in (("alice", alice, 1111), ("bob", bob, 2222)):
        await c["xep_0060"].publish(None, DEVICES, id="current", payload=device_list(dev),
                                    options=options(c, access_model="open"))
        await expect(name, c.boundjid.bare, DEVICES)
    print("device lists published with publish-options", flush=True)

    # Alice adds a device: Bob is told, and fetches the new bundle.
    await alice["xep_0060"].publish(None, BUNDLES, id="3333", payload=bundle("c3BrMzMzMw=="),
                                    options=options(alice, access_model="open", max_items="max"))
    await alice["xep_0060"].publish(None, DEVICES, id="current", payload=device_list(1111, 3333),
                                    options=options(alice, access_model="open"))
    _, payload = await expect("bob", ALICE, DEVICES, lambda _, p: len(p.findall(f"{{{OMEMO}}}device")) == 2)
    ids = sorted(d.get("id") for d in payload.findall(f"{{{OMEMO}}}device"))
    if ids != ["1111", "3333"]:
        raise SystemExit(f"bob saw devices {ids}")
    got = await bob["xep_0060"].get_item(ALICE, BUNDLES, "3333")
    spk = got["pubsub"]["items"]["item"].get_payload().find(f"{{{OMEMO}}}spk").text
    if spk != "c3BrMzMzMw==":
        raise SystemExit(f"bob fetched bundle spk {spk!r}")
    print("bob was told of alice's new device and fetched its bundle", flush=True)

    try:
        await alice["xep_0060"].publish(None, DEVICES, id="current", payload=device_list(1111),
                                        options=options(alice, access_model="whitelist"))
        raise SystemExit("publishing with other options succeeded")
    except IqError as e:
        if condition(e) != ("conflict", ["precondition-not-met"]):
            raise SystemExit(f"precondition error: {condition(e)}")
    print("publish-options preconditions are checked", flush=True)

    # Avatars: Carol's Turms picture is Alice's contact's avatar.
    meta = (await alice["xep_0060"].get_items(CAROL, "urn:xmpp:avatar:metadata"))["pubsub"]["items"]
    info = list(meta)[0].get_payload().find("{urn:xmpp:avatar:metadata}info")
    if info.get("id") != CAROL_SHA1:
        raise SystemExit(f"carol's avatar id {info.get('id')}, want {CAROL_SHA1}")
    data = (await alice["xep_0084"].retrieve_avatar(CAROL, CAROL_SHA1))["pubsub"]["items"]["item"]
    blob = data.get_payload()
    if hashlib.sha1(base64.b64decode(blob.text)).hexdigest() != CAROL_SHA1:
        raise SystemExit("carol's avatar data does not hash to its id")
    print("the Turms user's picture is an XMPP avatar", flush=True)

    # Alice publishes an avatar: Bob is told, fetches it, sees it in her
    # vCard and its hash in her presence.
    img = open(AVATAR, "rb").read()
    aid = hashlib.sha1(img).hexdigest()
    bob["xep_0163"].add_interest("urn:xmpp:avatar:metadata")
    await bob["xep_0115"].update_caps()
    bob.send_presence()
    await alice["xep_0084"].publish_avatar(img)
    await alice["xep_0084"].publish_avatar_metadata([{"id": aid, "type": "image/png", "bytes": len(img)}],
                                                    options=options(alice, access_model="open"))
    await expect("bob", ALICE, "urn:xmpp:avatar:metadata",
                 lambda item_id, p: item_id == aid)
    data = (await bob["xep_0084"].retrieve_avatar(ALICE, aid))["pubsub"]["items"]["item"].get_payload()
    if base64.b64decode(data.text) != img:
        raise SystemExit("alice's avatar data differs")
    vcard = await bob["xep_0054"].get_vcard(ALICE)
    if vcard["vcard_temp"]["PHOTO"]["BINVAL"] != img:
        raise SystemExit("alice's vCard photo is not her avatar")
    alice.send_presence()
    avatar_presence.setdefault(aid, loop.create_future())
    await asyncio.wait_for(avatar_presence[aid], 10)
    print("avatar published: PEP, vCard and presence hash", flush=True)

    # Nickname.
    bob["xep_0163"].add_interest("http://jabber.org/protocol/nick")
    await bob["xep_0115"].update_caps()
    bob.send_presence()
    await alice["xep_0172"].publish_nick("Alice over XMPP")
    await expect("bob", ALICE, "http://jabber.org/protocol/nick",
                 lambda _, p: p.text == "Alice over XMPP")
    print("nickname published", flush=True)

    # Private XML storage (XEP-0049).
    alice["xep_0049"].register(Prefs)
    prefs = Prefs()
    prefs["theme"] = "dark"
    await alice["xep_0049"].store(prefs)
    got = await alice["xep_0049"].retrieve("prefs")
    if got["private"]["prefs"]["theme"] != "dark":
        raise SystemExit(f"private XML: {got}")
    print("private XML storage", flush=True)

    # PEP-native private storage (XEP-0223): the owner reads, Bob may not.
    secret = Secret()
    secret["value"] = "s3cr3t"
    await alice["xep_0223"].store(secret, node="urn:example:secret", id="current")
    got = await alice["xep_0223"].retrieve("urn:example:secret", id="current")
    if got["pubsub"]["items"]["item"].get_payload().text != "s3cr3t":
        raise SystemExit("private PEP item differs")
    try:
        await bob["xep_0060"].get_items(ALICE, "urn:example:secret")
        raise SystemExit("bob read alice's private node")
    except IqError as e:
        if condition(e)[0] != "not-allowed":
            raise SystemExit(f"private node error: {condition(e)}")
    print("PEP-native private storage", flush=True)

    await asyncio.gather(alice.disconnect(), bob.disconnect())
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 90))
    except Exception as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
