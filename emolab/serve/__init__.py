"""``emolab serve``: home panels, served over the web and analysed by the batch engine.

Respondents open a link, watch the ad in their browser while their webcam records, and their
recordings are analysed by the batch engine into the study.

Engine-side (no Qt): the web application (Starlette on uvicorn), the invites, the upload
checks and the background analysis. The respondent's page is plain HTML and JavaScript in
``web/``, shipped with emolab.
"""
