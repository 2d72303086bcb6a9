"""`detect --source picam[:N]`: a Raspberry Pi CSI camera through picamera2 (libcamera), the way Pi
OS runs them today. picamera2 comes from Raspberry Pi OS's apt (`python3-picamera2`); a venv sees it
when made with --system-site-packages."""

import importlib

from leakyolo.base.errors import UserError

SIZE = (640, 480)  # (width, height) of the video stream
FORMAT = "RGB888"  # picamera2's RGB888 is [B, G, R] in memory: OpenCV's order


def picamera2_class():
    """picamera2.Picamera2, or a one-line error naming the package."""
    try:
        return importlib.import_module("picamera2").Picamera2
    except ImportError:
        raise UserError("--source picam needs picamera2: on Raspberry Pi OS `sudo apt install python3-picamera2` "
                        "and a venv made with --system-site-packages; USB cameras: --source camera") from None


class PicamSource:
    """Frames of a CSI camera, BGR, as a live source: no fps from the container, never 'ends'."""

    kind = "camera"

    def __init__(self, index: int = 0, camera_class=None, size=SIZE):
        factory = camera_class or picamera2_class()
        try:
            self.camera = factory(index)
            self.camera.configure(self.camera.create_video_configuration(main={"size": size, "format": FORMAT}))
            self.camera.start()
        except (IndexError, RuntimeError, OSError) as e:
            raise UserError(f"no Raspberry Pi camera at picam:{index} ({type(e).__name__}); check the ribbon cable "
                            f"and `rpicam-hello --list-cameras`") from None
        self.fps, self.skipped, self.inputs = None, 0, []

    def __iter__(self):
        index = 0
        while True:
            yield index, self.camera.capture_array("main")
            index += 1

    def close(self):
        """Stop and release the camera."""
        self.camera.stop()
        self.camera.close()
