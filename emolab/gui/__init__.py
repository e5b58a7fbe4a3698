"""The screening-room window: a thin Qt layer over the engine (no analysis of its own).

- ``app``: QApplication set-up (opencv/Qt environment fix, translators, error hooks), ``launch``.
- ``main_window``: the window; ``message_bar``: its non-modal messages.
- ``worker``: the QThread worker (camera → pipeline → session writer).
- ``ad_player``: QMediaPlayer pane, calibration countdown, the ad clock; full-screen window.
- ``plots``: ring buffers and live curves; ``preview``: the camera preview.
- ``actions``: what the controls do, as plain functions; ``i18n``: translations.

Importing these modules never imports torch or the models; the worker loads them in its thread.
"""
