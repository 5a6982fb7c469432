"""A company of halls: each hall pushes its event log to a central PostgreSQL (`run.py sync`),
and a central manager view shows the halls side by side (`run.py central`).

store.py is the only place with PostgreSQL's SQL; sync.py is the hall's side of the push;
figures.py works out the statistics from the central copy with core.stats; app.py and views.py
are the central web view; cli.py parses both commands."""
