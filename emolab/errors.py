"""Every exception emolab raises on purpose. Each message names the thing and what to do."""

from __future__ import annotations


class EmolabError(Exception):
    """Base class: an error a user can act on. ``str(err)`` is the message to show."""


class SourceError(EmolabError):
    """A camera or video that cannot be opened or read."""


class SourceEnded(EmolabError):
    """A frame source ran out of frames (end of a video, camera unplugged)."""


class ModelError(EmolabError):
    """A model file that is missing, unreadable, untrusted or of the wrong shape."""


class UnknownModelError(ModelError):
    """A detector or classifier name that no backend knows."""


class SessionError(EmolabError):
    """A session folder that is missing, malformed or cannot be written."""


class InputError(EmolabError):
    """Inputs that cannot work together (e.g. an offset placing the reaction outside the ad).

    Raised before any work is done: nothing is loaded and no session folder is created.
    """


class DisplayError(EmolabError):
    """No screen to open the window on."""


class SettingsError(EmolabError):
    """An invalid setting (unknown key, wrong type, out of range)."""


class DatasetError(EmolabError):
    """A training or evaluation dataset that is missing or malformed."""


class BatchError(EmolabError):
    """A panel batch that cannot start: a bad reactions folder or manifest, a busy study folder."""


class ClusterError(EmolabError):
    """Ray is missing, or its cluster cannot be reached or used."""


class MissingPackageError(EmolabError):
    """A model or command that needs a package this installation lacks (PyTorch in the installed app)."""


class OutputError(EmolabError):
    """A folder or file that emolab must write cannot be written (read-only, missing, full)."""


class ServeError(EmolabError):
    """A served study that cannot start or be used: bad options, an ad browsers cannot play, a busy port."""


class StudyError(EmolabError):
    """A folder that is not a study, or studies that cannot be compared (e.g. one respondent)."""


class NormsError(EmolabError):
    """A norms library that cannot be read or changed, or a norms CSV that cannot be imported.

    Raised before anything is written: the library file is left as it was.
    """
