"""`qa chat`: the Textual app. The only package besides cli.py that imports textual."""
