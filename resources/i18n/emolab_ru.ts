<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../emolab/gui/about.py" line="46"/>
        <source>About emolab</source>
        <translation>О программе emolab</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="59"/>
        <source>Facial-emotion measurement for advertising test screenings: offline, on an ordinary CPU.</source>
        <translation>Измерение эмоций по выражению лица на тестовых показах рекламы: без интернета, на обычном процессоре.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="61"/>
        <source>Licence: GNU Affero General Public License v3.0 or later ({0}).</source>
        <translation>Лицензия: GNU Affero General Public License версии 3.0 или более поздней ({0}).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="64"/>
        <source>emolab is free software: you may redistribute and modify it under the terms of that licence (its text is under “Licence”). It comes with ABSOLUTELY NO WARRANTY.</source>
        <translation>emolab — свободная программа: вы можете распространять и изменять её на условиях этой лицензии (её текст — на вкладке «Лицензия»). Программа поставляется БЕЗ КАКИХ-ЛИБО ГАРАНТИЙ.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="68"/>
        <source>The software and models it comes with keep their own licences: see “Third-party notices”.</source>
        <translation>Программы и модели, входящие в поставку, распространяются на своих условиях: см. «Сторонние компоненты».</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="70"/>
        <source>Python {0}, Qt {1}, PySide6 {2}</source>
        <translation>Python {0}, Qt {1}, PySide6 {2}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="72"/>
        <source>Installed in: {0}</source>
        <translation>Установлена в: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="74"/>
        <source>Settings: {0}</source>
        <translation>Настройки: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="93"/>
        <source>About</source>
        <translation>О программе</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="94"/>
        <source>Licence</source>
        <translation>Лицензия</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/about.py" line="95"/>
        <source>Third-party notices</source>
        <translation>Сторонние компоненты</translation>
    </message>
</context>
<context>
    <name>AdPlayer</name>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="112"/>
        <source>Open an ad to begin</source>
        <translation>Откройте ролик, чтобы начать</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="116"/>
        <source>Ready</source>
        <translation>Готово</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="134"/>
        <source>Please look at the screen and relax.
The ad starts in a moment.</source>
        <translation>Пожалуйста, смотрите на экран и расслабьтесь.
Ролик сейчас начнётся.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="178"/>
        <source>The screening has ended. Thank you!</source>
        <translation>Показ окончен. Спасибо!</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="198"/>
        <source>The ad cannot be played ({0}); convert it to H.264 MP4 and open it again.</source>
        <translation>Ролик не воспроизводится ({0}); перекодируйте его в H.264 MP4 и откройте снова.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="199"/>
        <source>unknown error</source>
        <translation>неизвестная ошибка</translation>
    </message>
</context>
<context>
    <name>CameraPreview</name>
    <message>
        <location filename="../../emolab/gui/preview.py" line="28"/>
        <source>No camera yet</source>
        <translation>Камера ещё не включена</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/preview.py" line="69"/>
        <source>#{0} {1} {2}%</source>
        <translation>№{0} {1} {2}%</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/preview.py" line="71"/>
        <source>{0} · looking away</source>
        <translation>{0} · смотрит в сторону</translation>
    </message>
</context>
<context>
    <name>EmotionCurves</name>
    <message>
        <location filename="../../emolab/gui/plots.py" line="90"/>
        <source>attentive</source>
        <translation>внимание</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="97"/>
        <source>Emotions</source>
        <translation>Эмоции</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="100"/>
        <source>Groups</source>
        <translation>Группы</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="103"/>
        <source>Attention</source>
        <translation>Внимание</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="103"/>
        <source>looking at the screen</source>
        <translation>смотрит на экран</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="138"/>
        <source>probability</source>
        <translation>вероятность</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/plots.py" line="94"/>
        <source>Ad time (s)</source>
        <translation>Время ролика (с)</translation>
    </message>
</context>
<context>
    <name>Emotions</name>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="61"/>
        <source>angry</source>
        <translation>гнев</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="62"/>
        <source>disgust</source>
        <translation>отвращение</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="63"/>
        <source>fear</source>
        <translation>страх</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="64"/>
        <source>happy</source>
        <translation>радость</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="65"/>
        <source>sad</source>
        <translation>грусть</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="66"/>
        <source>surprise</source>
        <translation>удивление</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="67"/>
        <source>neutral</source>
        <translation>нейтрально</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="75"/>
        <source>positive</source>
        <translation>позитивные</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="76"/>
        <source>negative</source>
        <translation>негативные</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/i18n.py" line="77"/>
        <source>neutral</source>
        <comment>group</comment>
        <translation>нейтральные</translation>
    </message>
</context>
<context>
    <name>FullScreenAd</name>
    <message>
        <location filename="../../emolab/gui/ad_player.py" line="59"/>
        <source>emolab — ad</source>
        <translation>emolab — ролик</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="84"/>
        <source>emolab — screening room</source>
        <extracomment>Emitted on the GUI thread once a screening&apos;s session is closed (a SessionOutcome). Emitted when the models are loaded and the ad (or its calibration) starts.</extracomment>
        <translation>emolab — зал тестирования</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="124"/>
        <source>&amp;Open ad…</source>
        <translation>&amp;Открыть ролик…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="126"/>
        <source>Use a &amp;video file as camera…</source>
        <translation>&amp;Видеофайл вместо камеры…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="129"/>
        <source>&amp;Start</source>
        <translation>&amp;Старт</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="129"/>
        <source>Start the camera analysis and the ad together</source>
        <translation>Запустить анализ камеры и ролик одновременно</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="132"/>
        <location filename="../../emolab/gui/main_window.py" line="581"/>
        <source>&amp;Pause</source>
        <translation>&amp;Пауза</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="132"/>
        <source>Pause or resume the ad and the analysis together</source>
        <translation>Приостановить или продолжить ролик и анализ вместе</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="134"/>
        <source>S&amp;top</source>
        <translation>Сто&amp;п</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="134"/>
        <source>Stop and save the session</source>
        <translation>Остановить и сохранить сессию</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="136"/>
        <source>Ad &amp;full screen</source>
        <translation>Ролик на весь &amp;экран</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="139"/>
        <source>Show the ad full screen on the chosen screen</source>
        <translation>Показать ролик на весь выбранный экран</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="141"/>
        <source>Open session &amp;report</source>
        <translation>Открыть &amp;отчёт сессии</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="142"/>
        <source>Study report from a &amp;folder…</source>
        <translation>Отчёт &amp;исследования по папке…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="143"/>
        <source>Open session f&amp;older</source>
        <translation>Открыть п&amp;апку сессии</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="144"/>
        <source>&amp;Quit</source>
        <translation>В&amp;ыход</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="146"/>
        <source>&amp;About emolab…</source>
        <translation>&amp;О программе emolab…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="146"/>
        <source>Version, licence and third-party notices</source>
        <translation>Версия, лицензия и сторонние компоненты</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="149"/>
        <source>About &amp;Qt…</source>
        <translation>О &amp;Qt…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="163"/>
        <source>Start</source>
        <translation>Старт</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="166"/>
        <location filename="../../emolab/gui/main_window.py" line="580"/>
        <source>Pause</source>
        <translation>Пауза</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="168"/>
        <source>Stop</source>
        <translation>Стоп</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="177"/>
        <source>Camera (latest analysed frame)</source>
        <translation>Камера (последний проанализированный кадр)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="189"/>
        <source>Ad (what the respondent sees)</source>
        <translation>Ролик (то, что видит респондент)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="191"/>
        <source>no sound device: the ad plays without sound</source>
        <translation>нет звукового устройства: реклама идёт без звука</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="229"/>
        <source>Models: loaded at Start</source>
        <translation>Модели: загружаются при старте</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="260"/>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="386"/>
        <source>the session</source>
        <translation>сеанс</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="386"/>
        <source>choose another folder in “Save sessions in”</source>
        <translation>выберите другую папку в поле «Сохранять сессии в»</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="443"/>
        <source>Models: {0}</source>
        <translation>Модели: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="506"/>
        <source>Stopped at {0} of the {1} ad. Session saved in {{0}}, but its numbers should not be trusted:</source>
        <translation>Остановлено на {0} из {1} рекламы. Сеанс сохранён в {{0}}, но его цифрам нельзя доверять:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="508"/>
        <source>Stopped at {0} of the {1} ad. Session saved in {{0}}.</source>
        <translation>Остановлено на {0} из {1} рекламы. Сеанс сохранён в {{0}}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="511"/>
        <source>Session saved in {0}, but its numbers should not be trusted:</source>
        <translation>Сеанс сохранён в {0}, но его цифрам нельзя доверять:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="519"/>
        <source>Its summary could not be written. Once there is room, run: emolab summary --rebuild {0}</source>
        <translation>Сводку записать не удалось. Когда место освободится, выполните: emolab summary --rebuild {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="522"/>
        <source>Warning: {0}</source>
        <translation>Предупреждение: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="595"/>
        <source>Calibrating</source>
        <translation>Калибровка</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="598"/>
        <source>{0} — ad {1} / {2}</source>
        <translation>{0} — ролик {1} / {2}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="607"/>
        <source>Processing: – fps</source>
        <translation>Обработка: – кадр/с</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="609"/>
        <source>Processing: {0:.1f} fps</source>
        <translation>Обработка: {0:.1f} кадр/с</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="610"/>
        <source>Latency: {0:.0f} ms</source>
        <translation>Задержка: {0:.0f} мс</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="611"/>
        <source>Face found: {0:.0f}% of frames</source>
        <translation>Лицо найдено: {0:.0f}% кадров</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="612"/>
        <source>Dropped: {0} frames</source>
        <translation>Пропущено: {0} кадров</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="239"/>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="197"/>
        <source>Live emotions and attention against ad time</source>
        <translation>Эмоции и внимание в реальном времени по времени ролика</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="249"/>
        <source>&amp;Screening</source>
        <translation>&amp;Показ</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="252"/>
        <source>&amp;Language</source>
        <translation>&amp;Язык</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="254"/>
        <source>System language</source>
        <translation>Язык системы</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="338"/>
        <source>Videos ({0})</source>
        <translation>Видео ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="338"/>
        <source>Open ad</source>
        <translation>Открыть ролик</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="345"/>
        <source>The ad file {0} does not exist.</source>
        <translation>Файл ролика {0} не существует.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="356"/>
        <source>The language changes the next time emolab starts.</source>
        <translation>Язык сменится при следующем запуске emolab.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="420"/>
        <source>Starting the camera…</source>
        <translation>Запуск камеры…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="466"/>
        <source>Unexpected error: {0}</source>
        <translation>Непредвиденная ошибка: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="502"/>
        <source>The screening ended early; what was recorded is saved in {0}.</source>
        <translation>Показ прервался; всё записанное сохранено в {0}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="513"/>
        <source>Session saved in {0}.</source>
        <translation>Сессия сохранена в {0}.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="524"/>
        <source>Open folder</source>
        <translation>Открыть папку</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="524"/>
        <source>Open report</source>
        <translation>Открыть отчёт</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="557"/>
        <source>Ready</source>
        <translation>Готово</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="558"/>
        <source>Loading models…</source>
        <translation>Загрузка моделей…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="559"/>
        <location filename="../../emolab/gui/main_window.py" line="595"/>
        <source>Recording</source>
        <translation>Запись</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="560"/>
        <location filename="../../emolab/gui/main_window.py" line="593"/>
        <source>Paused</source>
        <translation>Пауза</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="561"/>
        <source>Saving the session…</source>
        <translation>Сохранение сессии…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="575"/>
        <source>Tick the consent box first</source>
        <translation>Сначала отметьте согласие респондента</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="580"/>
        <source>Resume</source>
        <translation>Продолжить</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="581"/>
        <source>&amp;Resume</source>
        <translation>&amp;Продолжить</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="625"/>
        <source>The file manager could not be opened. The session folder is:</source>
        <translation>Не удалось открыть файловый менеджер. Папка сеанса:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="636"/>
        <source>The report is written, but no web browser could be opened. It is here:</source>
        <translation>Отчёт записан, но не удалось открыть браузер. Он находится здесь:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="644"/>
        <source>Copy path</source>
        <translation>Копировать путь</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="650"/>
        <source>Copied to the clipboard: {0}</source>
        <translation>Скопировано в буфер обмена: {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="654"/>
        <source>Folder with the sessions of one ad</source>
        <translation>Папка с сессиями одного ролика</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="665"/>
        <source>The study report is written, but no web browser could be opened. It is here:</source>
        <translation>Отчёт исследования записан, но не удалось открыть браузер. Он находится здесь:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="712"/>
        <source>Stop the screening?</source>
        <translation>Остановить показ?</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/main_window.py" line="713"/>
        <source>A screening is running. Stop it, save the session and quit?</source>
        <translation>Идёт показ. Остановить его, сохранить сессию и выйти?</translation>
    </message>
</context>
<context>
    <name>ScreeningWorker</name>
    <message>
        <location filename="../../emolab/gui/worker.py" line="166"/>
        <source>Reading the ad…</source>
        <extracomment>Longer side of the preview image the worker hands to the window (keeps signals light). A video standing in for a camera starts over at its end; otherwise its end is treated like a camera that disappeared. For tests and tools: builds the frame source instead of :func:`open_source`. A pipeline kept from an earlier session with the same models (saves loading time). How consent was recorded: the window&apos;s checkbox, or the command line (kiosk).</extracomment>
        <translation>Чтение ролика…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="170"/>
        <source>Loading face detector and emotion classifier…</source>
        <translation>Загрузка детектора лиц и классификатора эмоций…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="175"/>
        <source>Opening the camera…</source>
        <translation>Открытие камеры…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/worker.py" line="228"/>
        <source>The camera stopped: {0}. Everything recorded until then is saved.</source>
        <translation>Камера остановилась: {0}. Всё записанное до этого момента сохранено.</translation>
    </message>
</context>
<context>
    <name>SetupPanel</name>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="76"/>
        <source>Screening</source>
        <translation>Показ</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="83"/>
        <source>drop a video here or click Open</source>
        <extracomment>The chosen ad&apos;s full path; the field shows its file name (a long path would be cut at its start, hiding the name) and the full path in its tooltip.</extracomment>
        <translation>перетащите видео сюда или нажмите «Открыть»</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="84"/>
        <source>Open…</source>
        <translation>Открыть…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="86"/>
        <source>Recent ads</source>
        <translation>Недавние ролики</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="88"/>
        <source>Recent</source>
        <translation>Недавние</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="94"/>
        <source>&amp;Ad:</source>
        <translation>&amp;Ролик:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="98"/>
        <source>&amp;Camera:</source>
        <translation>&amp;Камера:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="100"/>
        <source>pseudonym, e.g. R017</source>
        <translation>псевдоним, например R017</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="101"/>
        <source>&amp;Respondent id:</source>
        <translation>&amp;ID респондента:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="102"/>
        <source>Co&amp;nsent: the respondent agrees to being filmed and analysed</source>
        <translation>Со&amp;гласие: респондент согласен на съёмку и анализ</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="108"/>
        <source> s</source>
        <translation> с</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="109"/>
        <source>Seconds of resting face recorded before the ad (0 = none)</source>
        <translation>Секунды спокойного лица перед роликом (0 — без калибровки)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="110"/>
        <source>Cali&amp;bration:</source>
        <translation>Калибр&amp;овка:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="113"/>
        <source>Face detector:</source>
        <translation>Детектор лиц:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="114"/>
        <source>Emotion model:</source>
        <translation>Модель эмоций:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="118"/>
        <source>Full screen</source>
        <translation>Весь экран</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="123"/>
        <source>Ad screen:</source>
        <translation>Экран ролика:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="131"/>
        <source>Save sessions in:</source>
        <translation>Сохранять сессии в:</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="191"/>
        <source>(no camera found)</source>
        <translation>(камера не найдена)</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="192"/>
        <source>Video file as camera…</source>
        <translation>Видеофайл вместо камеры…</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="206"/>
        <source>Camera {0}</source>
        <translation>Камера {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="218"/>
        <source>Video standing in for the camera</source>
        <translation>Видео вместо камеры</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="218"/>
        <source>Videos ({0})</source>
        <translation>Видео ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/setup_panel.py" line="257"/>
        <source>Save sessions in</source>
        <translation>Сохранять сессии в</translation>
    </message>
</context>
<context>
    <name>_ErrorReporter</name>
    <message>
        <location filename="../../emolab/gui/app.py" line="87"/>
        <source>emolab: unexpected error</source>
        <translation>emolab: непредвиденная ошибка</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/app.py" line="88"/>
        <source>Something went wrong. emolab keeps running; details are in {0}.</source>
        <translation>Что-то пошло не так. emolab продолжает работу; подробности в {0}.</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <location filename="../../emolab/gui/actions.py" line="40"/>
        <source>Open the ad to show (File ▸ Open ad, or drop a video on the window).</source>
        <translation>Откройте ролик для показа (Файл ▸ Открыть ролик или перетащите видео в окно).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="46"/>
        <source>The ad file {0} does not exist; open it again.</source>
        <translation>Файл ролика {0} не существует; откройте его снова.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="49"/>
        <source>Pick a camera, or a video file standing in for one.</source>
        <translation>Выберите камеру или видеофайл вместо неё.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="52"/>
        <source>The camera stand-in {0} does not exist; pick the file again.</source>
        <translation>Видео вместо камеры {0} не существует; выберите файл снова.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="57"/>
        <source>Enter the respondent id (a pseudonym, not a name).</source>
        <translation>Введите ID респондента (псевдоним, не имя).</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="60"/>
        <source>Tick the consent box: the respondent must agree before filming starts.</source>
        <translation>Отметьте согласие: респондент должен согласиться до начала съёмки.</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="83"/>
        <source>Camera {0}</source>
        <translation>Камера {0}</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="103"/>
        <source>none installed</source>
        <translation>не установлено</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="104"/>
        <source>auto ({0})</source>
        <translation>авто ({0})</translation>
    </message>
    <message>
        <location filename="../../emolab/gui/actions.py" line="137"/>
        <source>{0} holds no emolab session folders; choose the folder your sessions are saved in.</source>
        <translation>В {0} нет папок сессий emolab; выберите папку, где сохранены сессии.</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <location filename="../../emolab/gui/app.py" line="206"/>
        <source>emolab could not open its window: {0}
Details are in {1}.</source>
        <translation>emolab не смог открыть окно: {0}
Подробности в {1}.</translation>
    </message>
</context>
</TS>
