"""``python -m newsclean``: the ``newsclean`` command, where the console script is not on PATH."""

from newsclean.cli import main

if __name__ == "__main__":
    main()
