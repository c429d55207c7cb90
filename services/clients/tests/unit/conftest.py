"""hypothesis without its example database and with its caches outside the repo (no
.hypothesis/ folder to commit by mistake); derandomize keeps runs reproducible."""
import os
import tempfile

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "suanpan-hypothesis"))
settings.register_profile("suanpan", database=None, derandomize=True, max_examples=200)
settings.load_profile("suanpan")
