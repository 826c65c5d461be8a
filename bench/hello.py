"""A bare Flask hello-world, served the same way as the portal, as the benchmark's yardstick."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Say hello."""
    return "Hello, World!"
