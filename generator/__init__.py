"""cnn-worksheets: CNN shape and parameter exercises, worked answers, verified against Keras.

Importing this package never imports TensorFlow; only :mod:`generator.verify` and
:mod:`generator.lab` do, and only when their functions are called.
"""

__version__ = "0.1.0"
