"""`make bench`: NLU figures, chat latency/throughput against a stock `rasa init` bot, training
time, server memory, and the catalog's load and name-matching times at real size. Run as ``python -m benchmarks``; prints figures, writes under reports/."""
