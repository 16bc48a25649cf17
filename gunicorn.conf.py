"""gunicorn reads this file from the directory it is started in (the repository's root, as in the README).

Only a start-up check: several worker processes must share one rate-limit store. The app alone cannot tell
(each worker loads it on its own, and `wsgi.multiprocess` is only seen once requests arrive, when refusing
would mean failing them); the master knows the number of workers before it forks any.
"""


def on_starting(server):
    from diaspora.config import several_workers_problem

    problem = several_workers_problem(server.cfg.workers)
    if problem:
        raise RuntimeError(problem)  # gunicorn prints "Error: ..." and exits with status 1
