"""The cleaner pyfunc as MLflow "models from code": MLflow runs this file to build the model.

``mlflow.pyfunc.log_model(python_model=<this file>, ...)`` stores the file, not a pickle of a
:class:`~newsclean.training.serving.CleanerModel`, so loading the logged model unpickles
nothing: the class comes from the installed (pinned) newsclean, and its weights from the
logged model folder, which :func:`newsclean.load_model` checks against its SHA-256.
"""

from mlflow.models import set_model
from newsclean.training.serving import CleanerModel

set_model(CleanerModel())
