"""The morning rush: simulated officers flushing their outboxes at a real server, the faults
injected on the way, and the counts read back from the server afterwards."""
