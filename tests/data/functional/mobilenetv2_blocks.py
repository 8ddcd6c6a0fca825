# MobileNetV2 (alpha 1.0, input 224x224x3) stem + inverted-residual blocks 0, 1, 2 as in keras.applications.mobilenet_v2, with a GlobalAveragePooling2D + Dense(10) head; expected Keras total params: 17,258 (16,042 trainable, 1,216 non-trainable)
import keras
from keras import layers

inputs = keras.Input(shape=(224, 224, 3))

# Stem
x = layers.Conv2D(32, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="Conv1")(inputs)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="bn_Conv1")(x)
x = layers.ReLU(6.0, name="Conv1_relu")(x)

# Block 0 (expanded_conv_): no expansion, stride 1, 32 -> 16 channels, no residual
x = layers.DepthwiseConv2D(kernel_size=3, strides=1, activation=None, use_bias=False, padding="same", name="expanded_conv_depthwise")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="expanded_conv_depthwise_BN")(x)
x = layers.ReLU(6.0, name="expanded_conv_depthwise_relu")(x)
x = layers.Conv2D(16, kernel_size=1, padding="same", use_bias=False, activation=None, name="expanded_conv_project")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="expanded_conv_project_BN")(x)

# Block 1: expansion 6 (16 -> 96), stride 2 with correct_pad padding ((0, 1), (0, 1)) on 112x112, project to 24, no residual
x = layers.Conv2D(96, kernel_size=1, padding="same", use_bias=False, activation=None, name="block_1_expand")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_1_expand_BN")(x)
x = layers.ReLU(6.0, name="block_1_expand_relu")(x)
x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)), name="block_1_pad")(x)
x = layers.DepthwiseConv2D(kernel_size=3, strides=2, activation=None, use_bias=False, padding="valid", name="block_1_depthwise")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_1_depthwise_BN")(x)
x = layers.ReLU(6.0, name="block_1_depthwise_relu")(x)
x = layers.Conv2D(24, kernel_size=1, padding="same", use_bias=False, activation=None, name="block_1_project")(x)
shortcut = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_1_project_BN")(x)

# Block 2: expansion 6 (24 -> 144), stride 1, project to 24, residual Add with the block input
x = layers.Conv2D(144, kernel_size=1, padding="same", use_bias=False, activation=None, name="block_2_expand")(shortcut)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_2_expand_BN")(x)
x = layers.ReLU(6.0, name="block_2_expand_relu")(x)
x = layers.DepthwiseConv2D(kernel_size=3, strides=1, activation=None, use_bias=False, padding="same", name="block_2_depthwise")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_2_depthwise_BN")(x)
x = layers.ReLU(6.0, name="block_2_depthwise_relu")(x)
x = layers.Conv2D(24, kernel_size=1, padding="same", use_bias=False, activation=None, name="block_2_project")(x)
x = layers.BatchNormalization(axis=3, epsilon=0.001, momentum=0.999, name="block_2_project_BN")(x)
x = layers.Add(name="block_2_add")([shortcut, x])

# Head
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(10)(x)

model = keras.Model(inputs, x, name="mobilenetv2_blocks")
