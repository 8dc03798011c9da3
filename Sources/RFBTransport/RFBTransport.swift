// NIO channel handlers, TLS and identity live here.
