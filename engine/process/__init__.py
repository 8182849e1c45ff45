"""The process at run time: the shared state machine, who may fire what, and firing."""
