#!/usr/bin/python3
"""OMEMO (XEP-0384, urn:xmpp:omemo:2) between two slixmpp clients through
hermod, with python-omemo and its twomemo backend (Debian's python3-omemo
and python3-twomemo) doing the cryptography: each client publishes its
device list and bundle over PEP with publish-options access_model=open,
the other downloads them, and each sends the other a message only the
other can read. Arguments: host port domain. Exits 0 when both messages
were decrypted, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys
import xml.etree.ElementTree as ET

import omemo
import slixmpp
import twomemo
import twomemo.etree
from slixmpp.exceptions import IqError

HOST, PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ALICE, BOB = f"1001@{DOMAIN}", f"1002@{DOMAIN}"
NS = twomemo.twomemo.NAMESPACE
DEVICES, BUNDLES = f"{NS}:devices", f"{NS}:bundles"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"


class MemoryStorage(omemo.Storage):
    """python-omemo's storage, in memory."""

    def __init__(self):
        super().__init__()
        self.data = {}

    async def _load(self, key):
        if key in self.data:
            return omemo.Just(self.data[key])
        return omemo.Nothing()

    async def _store(self, key, value):
        self.data[key] = value

    async def _delete(self, key):
        self.data.pop(key, None)


def options(c, **fields):
    form = c["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value=PUBLISH_OPTIONS)
    for k, v in fields.items():
        form.add_field(var="pubsub#" + k, value=v)
    return form


def manager_class(c):
    """A SessionManager whose XMPP interactions go through client c (the
    library's hooks are static methods)."""

    class Manager(omemo.SessionManager):
        @staticmethod
        async def _upload_bundle(bundle):
            await c["xep_0060"].publish(None, BUNDLES, id=str(bundle.device_id),
                                        payload=twomemo.etree.serialize_bundle(bundle),
                                        options=options(c, access_model="open", max_items="max"))

        @staticmethod
        async def _download_bundle(namespace, bare_jid, device_id):
            r = await c["xep_0060"].get_item(bare_jid, BUNDLES, str(device_id))
            return twomemo.etree.parse_bundle(r["pubsub"]["items"]["item"].get_payload(), bare_jid, device_id)

        @staticmethod
        async def _delete_bundle(namespace, device_id):
            await c["xep_0060"].retract(None, BUNDLES, str(device_id), notify=True)

        @staticmethod
        async def _upload_device_list(namespace, device_list):
            await c["xep_0060"].publish(None, DEVICES, id="current",
                                        payload=twomemo.etree.serialize_device_list(device_list),
                                        options=options(c, access_model="open"))

        @staticmethod
        async def _download_device_list(namespace, bare_jid):
            try:
                r = await c["xep_0060"].get_items(bare_jid, DEVICES)
            except IqError as e:
                if e.iq["error"]["condition"] == "item-not-found":
                    return {}
                raise
            items = list(r["pubsub"]["items"])
            if not items:
                return {}
            return twomemo.etree.parse_device_list(items[0].get_payload())

        async def _evaluate_custom_trust_level(self, device):
            return omemo.TrustLevel.TRUSTED  # blind trust, for the test

        async def _make_trust_decision(self, undecided, identifier):
            pass

        @staticmethod
        async def _send_message(message, bare_jid):
            send_encrypted(c, bare_jid, message)

    return Manager


def send_encrypted(c, to, message):
    msg = c.make_message(mto=to, mtype="chat", mbody="[OMEMO encrypted]")
    msg.append(twomemo.etree.serialize_message(message))
    msg.send()


def client(jid, password):
    c = slixmpp.ClientXMPP(f"{jid}/omemo", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0004", "xep_0060", "xep_0115", "xep_0163"):
        c.register_plugin(p)
    return c


async def main():
    loop = asyncio.get_event_loop()
    alice, bob = client(ALICE, "pw-1001"), client(BOB, "pw-1002")
    started = {n: loop.create_future() for n in ("alice", "bob")}
    managers = {}
    received = {n: asyncio.Queue() for n in ("alice", "bob")}
    device_lists = {n: asyncio.Queue() for n in ("alice", "bob")}

    def on_start(name, c):
        async def handler(_):
            await c.get_roster()
            c["xep_0163"].add_interest(DEVICES)
            await c["xep_0115"].update_caps()
            c.send_presence()
            storage = MemoryStorage()
            managers[name] = await manager_class(c).create(
                [twomemo.Twomemo(storage)], storage, c.boundjid.bare, None, "BTBV")
            started[name].set_result(True)
        return handler

    def on_message(name):
        def handler(msg):
            enc = msg.xml.find(f"{{{NS}}}encrypted")
            if enc is not None:
                received[name].put_nowait((msg["from"].bare, enc))
        return handler

    def on_publish(name):
        # Device lists arrive as PEP notifications (the clients follow the
        # node through their caps), live or as the last item at login.
        def handler(msg):
            items = msg["pubsub_event"]["items"]
            if items["node"] == DEVICES:
                device_lists[name].put_nowait((msg["from"].bare, twomemo.etree.parse_device_list(items["item"].get_payload())))
        return handler

    for name, c in (("alice", alice), ("bob", bob)):
        c.add_event_handler("session_start", on_start(name, c))
        c.add_event_handler("message", on_message(name))
        c.add_event_handler("pubsub_publish", on_publish(name))

    alice.connect((HOST, PORT))
    bob.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(*started.values()), 30)
    print("both published their OMEMO device and bundle", flush=True)

    async def learn_devices(name, of):
        while True:
            frm, devices = await asyncio.wait_for(device_lists[name].get(), 15)
            await managers[name].update_device_list(NS, frm, devices)
            if frm == of and devices:
                return devices

    for name, of in (("alice", BOB), ("bob", ALICE)):
        devices = await learn_devices(name, of)
        print(f"{name} was told of {of}'s devices {sorted(devices)}", flush=True)

    async def exchange(sender, sc, receiver, to, text):
        messages, errors = await managers[sender].encrypt(frozenset([to]), {NS: text.encode()})
        if errors:
            raise SystemExit(f"{sender} could not encrypt for every device: {errors}")
        for message in messages:
            send_encrypted(sc, to, message)
        frm, enc = await asyncio.wait_for(received[receiver].get(), 15)
        plain, device, _ = await managers[receiver].decrypt(twomemo.etree.parse_message(enc, frm))
        if plain != text.encode():
            raise SystemExit(f"{receiver} decrypted {plain!r}")
        print(f"{receiver} decrypted {sender}'s message from device {device.device_id}", flush=True)

    await exchange("alice", alice, "bob", BOB, "secret hello from alice")
    await exchange("bob", bob, "alice", ALICE, "secret reply from bob")

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
