RemoteAssistBench.main()
