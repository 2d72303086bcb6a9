"""Defaults that several parts of LeakYOLO share, each named once."""

IMGSZ = 320  # training / export input size when none is given
CALIB_IMAGES = 300  # train images per INT8 calibration (Ultralytics recommends 300+)
CONF = 0.25  # score threshold of `detect`, Detector and the INT8 parity rows
IOU = 0.7  # NMS IoU for raw-output models: Ultralytics' predict default
MAX_DET = 300  # detections kept per image (the NMS-free head's TopK, raw-output NMS)
PRODUCT, BASELINE = "leakyolo-n", "yolo26n"  # the comparison: our nano model against Ultralytics' YOLO26n
DISTILLED, CONVERTED = "-distilled", "-converted"  # how reports name a model trained with a teacher / converted
TRAINED_AT = "@"  # how reports name a model trained at another input size than its family's main row: yolo26n@256
# A conversion's fine-tune schedule: the swapped weights start near a trained optimum. The training
# schedule (lr0 0.01 after a 3-epoch warmup from bias lr 0.1) threw that away: digits mAP50-95 fell to
# 0.09 by epoch 3 (docs/performance.md).
FINE_TUNE = {"lr0": 0.001, "warmup_epochs": 0.0}
RUN_FOLDER = "runs/pipeline"  # where `leakyolo pipeline` writes, one folder per profile
DEFAULT_MODEL_GLOB = f"{RUN_FOLDER}/**/onnx/{PRODUCT}-*-int8.onnx"  # the model `detect` takes when none is given
