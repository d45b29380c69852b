def inner():
    return 2
