"""Training: labelled data, domain splits, training, evaluation and MLflow tracking.

Installed as ``newsclean.training``; needs ``pip install newsclean[train]`` for MLflow and
matplotlib, which are imported only where they are used.
"""
