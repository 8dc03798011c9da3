"""An independent XMPP client for the chat interop test: Debian's slixmpp logs in, sends one chat line
to PEER, waits for one chat line from PEER, prints it as `got: TEXT`, and leaves.

usage: /usr/bin/python3 slixmpp-chat.py JID PASSWORD HOST PORT CAFILE PEER TEXT
"""
import asyncio
import ssl
import sys

import slixmpp

jid, password, host, port, cafile, peer, text = sys.argv[1:8]


class Client(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        self.ssl_context = ssl.create_default_context(cafile=cafile)
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.message)
        self.got = None

    async def start(self, _event):
        self.send_presence()
        await self.get_roster()
        self.send_message(mto=peer, mbody=text, mtype="chat")
        print("sent", flush=True)

    def message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["from"].bare == peer and msg["body"]:
            print("got: " + msg["body"], flush=True)
            self.disconnect()


client = Client()
client.connect((host, int(port)))
loop = asyncio.get_event_loop()
try:
    loop.run_until_complete(asyncio.wait_for(client.disconnected, timeout=30))
except asyncio.TimeoutError:
    print("timeout", flush=True)
    sys.exit(1)
