"""The live wallboard (大屏): the hall's numbers now, computed once per interval per process
(board.py) and sent to every open wallboard of the process over server-sent events (live.py)."""
