"""The district server: every station's events, enrolment, bundles and reports.

    store    the storage interface and its SQLite back-end
    schools  provisioning: schools, keys, station tokens, enrolment files
    bundles  bundles carried in and out on sticks
    app      the HTTP sync API (Starlette, served by uvicorn)
    report   CSV and xAPI exports
"""
