// RFB messages and handshake/session state machines live here.
