"""`make bench`: NLU figures, chat latency/throughput against a stock `rasa init` bot, training
time and server memory. Run as ``python -m benchmarks``; prints figures, writes under reports/."""
