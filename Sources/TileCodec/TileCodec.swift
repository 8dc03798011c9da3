// Encoders and decoders of pixel rectangles (Raw, ZRLE, tile-delta) live here.
