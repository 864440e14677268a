/**
 * Pretrained weights from local files: torchvision ResNet {@code .pth} and Hugging Face text models.
 */
package org.symile.app.models;
