<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../emolab/gui/about.py" line="46"/>
        <source>About emolab</source>
        <translation>About emolab</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="59"/>
        <source>Facial-emotion measurement for advertising test screenings: offline, on an ordinary CPU.</source>
        <translation>Facial-emotion measurement for advertising test screenings: offline, on an ordinary CPU.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="61"/>
        <source>Licence: GNU Affero General Public License v3.0 or later ({0}).</source>
        <translation>Licence: GNU Affero General Public License v3.0 or later ({0}).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="64"/>
        <source>emolab is free software: you may redistribute and modify it under the terms of that licence (its text is under “Licence”). It comes with ABSOLUTELY NO WARRANTY.</source>
        <translation>emolab is free software: you may redistribute and modify it under the terms of that licence (its text is under “Licence”). It comes with ABSOLUTELY NO WARRANTY.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="68"/>
        <source>The software and models it comes with keep their own licences: see “Third-party notices”.</source>
        <translation>The software and models it comes with keep their own licences: see “Third-party notices”.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="70"/>
        <source>Python {0}, Qt {1}, PySide6 {2}</source>
        <translation>Python {0}, Qt {1}, PySide6 {2}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="72"/>
        <source>Installed in: {0}</source>
        <translation>Installed in: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="74"/>
        <source>Settings: {0}</source>
        <translation>Settings: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="93"/>
        <source>About</source>
        <translation>About</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="94"/>
        <source>Licence</source>
        <translation>Licence</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="95"/>
        <source>Third-party notices</source>
        <translation>Third-party notices</translation>
    </message>
</context>
<context>
    <name>AdPlayer</name>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="112"/>
        <source>Open an ad to begin</source>
        <translation>Open an ad to begin</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="116"/>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="134"/>
        <source>Please look at the screen and relax.
The ad starts in a moment.</source>
        <translation>Please look at the screen and relax.
The ad starts in a moment.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="178"/>
        <source>The screening has ended. Thank you!</source>
        <translation>The screening has ended. Thank you!</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="198"/>
        <source>The ad cannot be played ({0}); convert it to H.264 MP4 and open it again.</source>
        <translation>The ad cannot be played ({0}); convert it to H.264 MP4 and open it again.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="199"/>
        <source>unknown error</source>
        <translation>unknown error</translation>
    </message>
</context>
<context>
    <name>CameraPreview</name>
    <message>
        <location filename="../../emolab/gui/preview.py" line="28"/>
        <source>No camera yet</source>
        <translation>No camera yet</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/preview.py" line="69"/>
        <source>#{0} {1} {2}%</source>
        <translation>#{0} {1} {2}%</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/preview.py" line="71"/>
        <source>{0} · looking away</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EmotionCurves</name>
    <message>
        <location filename="../../emolab/gui/plots.py" line="90"/>
        <source>attentive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="97"/>
        <source>Emotions</source>
        <translation>Emotions</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="100"/>
        <source>Groups</source>
        <translation>Groups</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="103"/>
        <source>Attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="103"/>
        <source>looking at the screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="138"/>
        <source>probability</source>
        <translation>probability</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="94"/>
        <source>Ad time (s)</source>
        <translation>Ad time (s)</translation>
    </message>
</context>
<context>
    <name>Emotions</name>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="61"/>
        <source>angry</source>
        <translation>angry</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="62"/>
        <source>disgust</source>
        <translation>disgust</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="63"/>
        <source>fear</source>
        <translation>fear</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="64"/>
        <source>happy</source>
        <translation>happy</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="65"/>
        <source>sad</source>
        <translation>sad</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="66"/>
        <source>surprise</source>
        <translation>surprise</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="67"/>
        <source>neutral</source>
        <translation>neutral</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="75"/>
        <source>positive</source>
        <translation>positive</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="76"/>
        <source>negative</source>
        <translation>negative</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="77"/>
        <source>neutral</source>
        <comment>group</comment>
        <translation>neutral</translation>
    </message>
</context>
<context>
    <name>FullScreenAd</name>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="59"/>
        <source>emolab — ad</source>
        <translation>emolab — ad</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="84"/>
        <source>emolab — screening room</source>
        <extracomment>Emitted on the GUI thread once a screening&apos;s session is closed (a SessionOutcome). Emitted when the models are loaded and the ad (or its calibration) starts.</extracomment>
        <translation>emolab — screening room</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="124"/>
        <source>&amp;Open ad…</source>
        <translation>&amp;Open ad…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="126"/>
        <source>Use a &amp;video file as camera…</source>
        <translation>Use a &amp;video file as camera…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="129"/>
        <source>&amp;Start</source>
        <translation>&amp;Start</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="129"/>
        <source>Start the camera analysis and the ad together</source>
        <translation>Start the camera analysis and the ad together</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="132"/>
        <location filename="../../emolab/gui/main_window.py" line="581"/>
        <source>&amp;Pause</source>
        <translation>&amp;Pause</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="132"/>
        <source>Pause or resume the ad and the analysis together</source>
        <translation>Pause or resume the ad and the analysis together</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="134"/>
        <source>S&amp;top</source>
        <translation>S&amp;top</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="134"/>
        <source>Stop and save the session</source>
        <translation>Stop and save the session</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="136"/>
        <source>Ad &amp;full screen</source>
        <translation>Ad &amp;full screen</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="139"/>
        <source>Show the ad full screen on the chosen screen</source>
        <translation>Show the ad full screen on the chosen screen</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="141"/>
        <source>Open session &amp;report</source>
        <translation>Open session &amp;report</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="142"/>
        <source>Study report from a &amp;folder…</source>
        <translation>Study report from a &amp;folder…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="143"/>
        <source>Open session f&amp;older</source>
        <translation>Open session f&amp;older</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="144"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="146"/>
        <source>&amp;About emolab…</source>
        <translation>&amp;About emolab…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="146"/>
        <source>Version, licence and third-party notices</source>
        <translation>Version, licence and third-party notices</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="149"/>
        <source>About &amp;Qt…</source>
        <translation>About &amp;Qt…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="163"/>
        <source>Start</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="166"/>
        <location filename="../../emolab/gui/main_window.py" line="580"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="168"/>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="177"/>
        <source>Camera (latest analysed frame)</source>
        <translation>Camera (latest analysed frame)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="189"/>
        <source>Ad (what the respondent sees)</source>
        <translation>Ad (what the respondent sees)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="191"/>
        <source>no sound device: the ad plays without sound</source>
        <translation>no sound device: the ad plays without sound</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="229"/>
        <source>Models: loaded at Start</source>
        <translation>Models: loaded at Start</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="260"/>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="386"/>
        <source>the session</source>
        <translation>the session</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="386"/>
        <source>choose another folder in “Save sessions in”</source>
        <translation>choose another folder in “Save sessions in”</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="443"/>
        <source>Models: {0}</source>
        <translation>Models: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="506"/>
        <source>Stopped at {0} of the {1} ad. Session saved in {{0}}, but its numbers should not be trusted:</source>
        <translation>Stopped at {0} of the {1} ad. Session saved in {{0}}, but its numbers should not be trusted:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="508"/>
        <source>Stopped at {0} of the {1} ad. Session saved in {{0}}.</source>
        <translation>Stopped at {0} of the {1} ad. Session saved in {{0}}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="511"/>
        <source>Session saved in {0}, but its numbers should not be trusted:</source>
        <translation>Session saved in {0}, but its numbers should not be trusted:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="519"/>
        <source>Its summary could not be written. Once there is room, run: emolab summary --rebuild {0}</source>
        <translation>Its summary could not be written. Once there is room, run: emolab summary --rebuild {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="522"/>
        <source>Warning: {0}</source>
        <translation>Warning: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="595"/>
        <source>Calibrating</source>
        <translation>Calibrating</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="598"/>
        <source>{0} — ad {1} / {2}</source>
        <translation>{0} — ad {1} / {2}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="607"/>
        <source>Processing: – fps</source>
        <translation>Processing: – fps</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="609"/>
        <source>Processing: {0:.1f} fps</source>
        <translation>Processing: {0:.1f} fps</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="610"/>
        <source>Latency: {0:.0f} ms</source>
        <translation>Latency: {0:.0f} ms</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="611"/>
        <source>Face found: {0:.0f}% of frames</source>
        <translation>Face found: {0:.0f}% of frames</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="612"/>
        <source>Dropped: {0} frames</source>
        <translation>Dropped: {0} frames</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="239"/>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="197"/>
        <source>Live emotions and attention against ad time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="249"/>
        <source>&amp;Screening</source>
        <translation>&amp;Screening</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="252"/>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="254"/>
        <source>System language</source>
        <translation>System language</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="338"/>
        <source>Videos ({0})</source>
        <translation>Videos ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="338"/>
        <source>Open ad</source>
        <translation>Open ad</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="345"/>
        <source>The ad file {0} does not exist.</source>
        <translation>The ad file {0} does not exist.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="356"/>
        <source>The language changes the next time emolab starts.</source>
        <translation>The language changes the next time emolab starts.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="420"/>
        <source>Starting the camera…</source>
        <translation>Starting the camera…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="466"/>
        <source>Unexpected error: {0}</source>
        <translation>Unexpected error: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="502"/>
        <source>The screening ended early; what was recorded is saved in {0}.</source>
        <translation>The screening ended early; what was recorded is saved in {0}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="513"/>
        <source>Session saved in {0}.</source>
        <translation>Session saved in {0}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="524"/>
        <source>Open folder</source>
        <translation>Open folder</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="524"/>
        <source>Open report</source>
        <translation>Open report</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="557"/>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="558"/>
        <source>Loading models…</source>
        <translation>Loading models…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="559"/>
        <location filename="../../emolab/gui/main_window.py" line="595"/>
        <source>Recording</source>
        <translation>Recording</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="560"/>
        <location filename="../../emolab/gui/main_window.py" line="593"/>
        <source>Paused</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="561"/>
        <source>Saving the session…</source>
        <translation>Saving the session…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="575"/>
        <source>Tick the consent box first</source>
        <translation>Tick the consent box first</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="580"/>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="581"/>
        <source>&amp;Resume</source>
        <translation>&amp;Resume</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="625"/>
        <source>The file manager could not be opened. The session folder is:</source>
        <translation>The file manager could not be opened. The session folder is:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="636"/>
        <source>The report is written, but no web browser could be opened. It is here:</source>
        <translation>The report is written, but no web browser could be opened. It is here:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="644"/>
        <source>Copy path</source>
        <translation>Copy path</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="650"/>
        <source>Copied to the clipboard: {0}</source>
        <translation>Copied to the clipboard: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="654"/>
        <source>Folder with the sessions of one ad</source>
        <translation>Folder with the sessions of one ad</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="665"/>
        <source>The study report is written, but no web browser could be opened. It is here:</source>
        <translation>The study report is written, but no web browser could be opened. It is here:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="712"/>
        <source>Stop the screening?</source>
        <translation>Stop the screening?</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="713"/>
        <source>A screening is running. Stop it, save the session and quit?</source>
        <translation>A screening is running. Stop it, save the session and quit?</translation>
    </message>
</context>
<context>
    <name>ScreeningWorker</name>
    <message>
        <location filename="../../emolab/gui/worker.py" line="166"/>
        <source>Reading the ad…</source>
        <extracomment>Longer side of the preview image the worker hands to the window (keeps signals light). A video standing in for a camera starts over at its end; otherwise its end is treated like a camera that disappeared. For tests and tools: builds the frame source instead of :func:`open_source`. A pipeline kept from an earlier session with the same models (saves loading time). How consent was recorded: the window&apos;s checkbox, or the command line (kiosk).</extracomment>
        <translation>Reading the ad…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="170"/>
        <source>Loading face detector and emotion classifier…</source>
        <translation>Loading face detector and emotion classifier…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="175"/>
        <source>Opening the camera…</source>
        <translation>Opening the camera…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="228"/>
        <source>The camera stopped: {0}. Everything recorded until then is saved.</source>
        <translation>The camera stopped: {0}. Everything recorded until then is saved.</translation>
    </message>
</context>
<context>
    <name>SetupPanel</name>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="76"/>
        <source>Screening</source>
        <translation>Screening</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="83"/>
        <source>drop a video here or click Open</source>
        <extracomment>The chosen ad&apos;s full path; the field shows its file name (a long path would be cut at its start, hiding the name) and the full path in its tooltip.</extracomment>
        <translation>drop a video here or click Open</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="84"/>
        <source>Open…</source>
        <translation>Open…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="86"/>
        <source>Recent ads</source>
        <translation>Recent ads</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="88"/>
        <source>Recent</source>
        <translation>Recent</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="94"/>
        <source>&amp;Ad:</source>
        <translation>&amp;Ad:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="98"/>
        <source>&amp;Camera:</source>
        <translation>&amp;Camera:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="100"/>
        <source>pseudonym, e.g. R017</source>
        <translation>pseudonym, e.g. R017</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="101"/>
        <source>&amp;Respondent id:</source>
        <translation>&amp;Respondent id:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="102"/>
        <source>Co&amp;nsent: the respondent agrees to being filmed and analysed</source>
        <translation>Co&amp;nsent: the respondent agrees to being filmed and analysed</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="108"/>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="109"/>
        <source>Seconds of resting face recorded before the ad (0 = none)</source>
        <translation>Seconds of resting face recorded before the ad (0 = none)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="110"/>
        <source>Cali&amp;bration:</source>
        <translation>Cali&amp;bration:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="113"/>
        <source>Face detector:</source>
        <translation>Face detector:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="114"/>
        <source>Emotion model:</source>
        <translation>Emotion model:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="118"/>
        <source>Full screen</source>
        <translation>Full screen</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="123"/>
        <source>Ad screen:</source>
        <translation>Ad screen:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="131"/>
        <source>Save sessions in:</source>
        <translation>Save sessions in:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="191"/>
        <source>(no camera found)</source>
        <translation>(no camera found)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="192"/>
        <source>Video file as camera…</source>
        <translation>Video file as camera…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="206"/>
        <source>Camera {0}</source>
        <translation>Camera {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="218"/>
        <source>Video standing in for the camera</source>
        <translation>Video standing in for the camera</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="218"/>
        <source>Videos ({0})</source>
        <translation>Videos ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="257"/>
        <source>Save sessions in</source>
        <translation>Save sessions in</translation>
    </message>
</context>
<context>
    <name>_ErrorReporter</name>
    <message>
        <location filename="../../emolab/gui/app.py" line="87"/>
        <source>emolab: unexpected error</source>
        <translation>emolab: unexpected error</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/app.py" line="88"/>
        <source>Something went wrong. emolab keeps running; details are in {0}.</source>
        <translation>Something went wrong. emolab keeps running; details are in {0}.</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <location filename="../../emolab/gui/actions.py" line="40"/>
        <source>Open the ad to show (File ▸ Open ad, or drop a video on the window).</source>
        <translation>Open the ad to show (File ▸ Open ad, or drop a video on the window).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="46"/>
        <source>The ad file {0} does not exist; open it again.</source>
        <translation>The ad file {0} does not exist; open it again.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="49"/>
        <source>Pick a camera, or a video file standing in for one.</source>
        <translation>Pick a camera, or a video file standing in for one.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="52"/>
        <source>The camera stand-in {0} does not exist; pick the file again.</source>
        <translation>The camera stand-in {0} does not exist; pick the file again.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="57"/>
        <source>Enter the respondent id (a pseudonym, not a name).</source>
        <translation>Enter the respondent id (a pseudonym, not a name).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="60"/>
        <source>Tick the consent box: the respondent must agree before filming starts.</source>
        <translation>Tick the consent box: the respondent must agree before filming starts.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="83"/>
        <source>Camera {0}</source>
        <translation>Camera {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="103"/>
        <source>none installed</source>
        <translation>none installed</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="104"/>
        <source>auto ({0})</source>
        <translation>auto ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="137"/>
        <source>{0} holds no emolab session folders; choose the folder your sessions are saved in.</source>
        <translation>{0} holds no emolab session folders; choose the folder your sessions are saved in.</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <location filename="../../emolab/gui/app.py" line="206"/>
        <source>emolab could not open its window: {0}
Details are in {1}.</source>
        <translation>emolab could not open its window: {0}
Details are in {1}.</translation>
    </message>
</context>
</TS>
