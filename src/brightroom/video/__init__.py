"""Video: stabilisation and low-light denoising (floor 4; video files through :mod:`brightroom.io.video`).

* :mod:`~brightroom.video.motion`: KLT tracks and a robust similarity per pair of frames;
* :mod:`~brightroom.video.grundmann2011`: the L1-optimal camera path under the crop-window
  constraint, with the adaptive crop;
* :mod:`~brightroom.video.gyro`: gyro logs (Gyroflow, CSV, GoPro GPMF) and their
  synchronisation with the optical motion;
* :mod:`~brightroom.video.rolling_shutter`: per-row rolling-shutter correction;
* :mod:`~brightroom.video.stabilize`: the two passes, file to file, audio kept;
* :mod:`~brightroom.video.denoise`: motion-compensated robust temporal merge in linear light,
  then a spatial stage for the noise it left.

The public entry points are :func:`brightroom.stabilize` and :func:`brightroom.video_denoise`.
"""
