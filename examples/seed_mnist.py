# The seed notebook's lab model, as the notebook writes it.
from keras import layers
from keras import models

model = models.Sequential()
model.add(layers.Conv2D(filters=32,kernel_size=(3,3), strides= 1, activation='relu', input_shape=(28,28,1)))
model.add(layers.MaxPooling2D(pool_size=(2,2),strides=2))
model.add(layers.Conv2D(64,(3,3), activation='relu'))
model.add(layers.MaxPooling2D((2,2)))
model.add(layers.Conv2D(64,(3,3), activation='relu'))
model.add(layers.Flatten())
model.add(layers.Dense(64, activation = 'relu' ))
model.add(layers.Dense(10,activation='softmax'))

model.summary()
