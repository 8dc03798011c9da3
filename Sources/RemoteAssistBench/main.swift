print("remote-assist-bench: not yet implemented")
