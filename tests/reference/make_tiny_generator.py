#!/usr/bin/python3
"""Writes a tiny face encoder and generator as ONNX models, for testing Shroud's generator hook.

encoder: image 1x3x32x32 (RGB in [0, 1]) -> GlobalAveragePool -> latent 1x3 (mean colour)
generator: latent 1x3 -> MatMul (3 x 3072, fixed seed) + bias -> Sigmoid -> image 1x3x32x32

Real users plug in their own encoder/generator with the same interface (docs/dp.md).
Usage: make_tiny_generator.py OUT_DIR
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)

enc = helper.make_graph(
    [helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
     helper.make_node("Flatten", ["pooled"], ["latent"], axis=1)],
    "tiny_encoder",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
    [helper.make_tensor_value_info("latent", TensorProto.FLOAT, [1, 3])])
onnx.save(helper.make_model(enc, opset_imports=[helper.make_opsetid("", 11)]), f"{out}/tiny_encoder.onnx")

w = numpy_helper.from_array(rng.normal(0, 1, (3, 3 * 32 * 32)).astype(np.float32), "w")
b = numpy_helper.from_array(rng.normal(0, 0.1, (3 * 32 * 32,)).astype(np.float32), "b")
shape = numpy_helper.from_array(np.array([1, 3, 32, 32], dtype=np.int64), "shape")
gen = helper.make_graph(
    [helper.make_node("MatMul", ["latent", "w"], ["mm"]),
     helper.make_node("Add", ["mm", "b"], ["biased"]),
     helper.make_node("Sigmoid", ["biased"], ["flat"]),
     helper.make_node("Reshape", ["flat", "shape"], ["image"])],
    "tiny_generator",
    [helper.make_tensor_value_info("latent", TensorProto.FLOAT, [1, 3])],
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
    [w, b, shape])
onnx.save(helper.make_model(gen, opset_imports=[helper.make_opsetid("", 11)]), f"{out}/tiny_generator.onnx")
