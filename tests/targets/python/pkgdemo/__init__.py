# A package for autocue-trace's Python tests: its functions are named
# pkgdemo.NAME (this file) and pkgdemo.sub.NAME.
def top():
    return 1
