"""ONNX export, INT8 quantization with ONNX Runtime, export gates and model cards."""
