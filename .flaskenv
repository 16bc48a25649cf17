# Read by the `flask` command (python-dotenv): local commands run in development mode,
# where a missing SECRET_KEY is generated into instance/. gunicorn does not read this file.
FLASK_APP=diaspora
DIASPORA_ENV=development
