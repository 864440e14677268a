/**
 * The layout of {@code --experiment custom} data: any M modalities of split tensors, features, categories or
 * tokens, with optional missingness indicators and token masks, checked whole before a run starts.
 */
package org.symile.data.custom;
