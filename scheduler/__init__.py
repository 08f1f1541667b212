"""The only place where time, retries and leases live: the publication outbox, the APScheduler
ticker, metric pulls, report jobs, alerts, and the `loa` command line."""
