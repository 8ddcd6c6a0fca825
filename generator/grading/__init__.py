"""Grading typed answers against a key: the library behind ``python -m generator check``.

The pipeline is staged, one module each: :meth:`generator.key.Key.load` (the one key reader) ->
:func:`~generator.grading.answers.read_answers` (validate the CSV) ->
:func:`~generator.grading.grade.grade` (one :class:`QuestionResult` per student and question, one
:class:`Report` that owns the totals) -> :func:`~generator.grading.report.format_report` (text,
JSON or a CSV gradebook) -> :func:`~generator.grading.report.write_output` (stdout, or a file
replaced atomically). Every problem with the input is a :class:`~generator.errors.UserError`
raised before anything is written, so a bad file never leaves a partial gradebook.

Keys (JSON, as the worksheet and exam builders write them):

* a worksheet key ``{"title", "seed", "problems": [...]}``: every ``student_id`` in the answer
  file is free text and is graded against the same problems (students checking themselves);
* an exam master key ``{"title", "seed", "students": [{"id", "name", "variant",
  "problems": [...]}]}``: each student has their own numbers under the same question ids;
* a per-student exam key ``{"title", "seed", "student": {...}}``: one student of an exam.

A question id is ``{problem id}.{blank id}``, e.g. ``q1.l0_shape``.

Answer files are CSV in UTF-8 (a byte-order mark is accepted; so are ``;`` and tab as the
delimiter when the header uses them) with the columns ``student_id``, ``question_id`` and
``answer`` in any order; header names ignore case and surrounding spaces, other columns are
ignored, blank lines are skipped. A row with more cells than the header is an error naming its
line (an unquoted ``26,26,32`` would otherwise lose its last axes); quote such answers.
``student_id`` may hold a student's id or the variant code printed on their paper (compared by
:func:`generator.roster.id_key`: case, spaces, dashes and underscores ignored); both name the
same student. Files are read by :mod:`generator.userfiles` (size limits, UTF-8, bounded JSON).

LMS response exports (quizzes built from ``exam --lms pools``) are read as they are
(:mod:`generator.grading.lms`): Canvas' "Student Analysis" CSV and Moodle's quiz "Responses"
download (with "Question text" and "Response" ticked). Every pooled question's text ends with
``Question reference: q3 K7Q-2MX`` (its grading id and variant), which both files keep; each LMS
student is graded against a paper of the variants they drew and matched to the roster by the SIS
id (Canvas ``sis_id`` -> ``sis_user_id``), the ``ID number`` (-> ``id``) or the email address
(Moodle), else named by the LMS id or name. Otherwise an export must be turned into the long
CSV, which must carry, for every student and question:

* **who**: the roster ``id`` or the variant code, which is what ``student_id`` accepts. An
  export that has only the roster ``email`` or ``sis_user_id`` must be mapped to the id first
  (the roster has both). A Canvas user id or a name does not identify a paper;
* **which question and variant**: the grading id (``q3``) of the student's own paper;
* **each blank's answer, separately and in the key's order**: the blanks of ``q3`` are
  ``q3.<blank id>``, and a shape's axes form one answer (``26,26,32``, quoted).

What the two LMS reports carry (from their source):

* Canvas classic quizzes, "Student Analysis" CSV (``instructure/canvas-lms``
  ``app/models/quizzes/quiz_statistics/student_analysis.rb`` ``to_csv``): columns ``name``,
  ``id`` (Canvas user id), ``sis_id`` (when SIS ids are shown), ``root_account`` (trust
  accounts only), ``section``, ``section_id``, ``section_sis_id`` (with SIS ids), ``submitted``,
  ``attempt`` (all attempts only); then per question a column headed ``<quiz question id>:
  <question text without tags>`` followed by one headed by its points possible; then ``n
  correct``, ``n incorrect``, ``score``. A fill-in-multiple-blanks answer is its blanks' answers
  joined by ``,`` with a comma inside an answer written ``\\,``, in the order of the
  question's answers' blank ids; a student who was not given a question has empty cells. The
  question *name* (which carries variant and grading id) is not in the file: the reference in
  its text is what names it.
* A question drawn from a Canvas question group gets a column of its own (one per quiz
  question any student saw, after the quiz's loose questions, in the order first met), so a
  pooled slot spreads over as many columns as variants were drawn. Its header text comes from
  the student's copy, whose blanks are already ``<input>`` elements that ``strip_tags`` removes;
  named entities (``&nbsp;``) are deleted, numeric ones decoded. A cell whose blanks are all
  empty is ``""``; a partly answered one keeps its empty blanks in place.
* Moodle, quiz "Responses" report download (``moodle/moodle``
  ``mod/quiz/classes/local/reports/attempts_report.php``, ``mod/quiz/report/responses/``):
  the user columns (last name, first name, the site's identity fields such as ``Email
  address``), the state, started, completed and time taken, ``Grade/<max>``, then per quiz
  slot ``Question N`` (the question summary, only when "Question text" is ticked: the text as
  plain text, a cloze field written ``_____``), ``Response N`` (a cloze response is ``part 1:
  26; part 2: 26; part 3: 32``) and ``Right answer N`` (when ticked); ``-`` where there is
  none. It names neither the question nor its ``<idnumber>``. The CSV is written by Spout
  (comma, UTF-8 with a byte-order mark). Header wording differs between Moodle versions
  (``Surname`` / ``Last name``, ``State`` / ``Status``).

Normalization (the one rule set of :mod:`generator.answers`, shared with the HTML self-check):
an answer is right when ``normalize(answer, blank.kind)`` is one of the blank's ``accepted``
canonical answers.

* ``shape``: ``(None, 26, 26, 32)``, ``(26, 26, 32)``, ``26x26x32``, ``26 x 26 x 32``,
  ``26,26,32``, ``[26, 26, 32]`` and ``26*26*32`` all read as ``26x26x32``; a leading ``None``
  or ``?`` (the batch axis) is dropped, so ``(None, 576)`` and ``576`` are the same answer.
* ``int``: ``18496``, ``18,496``, ``18 496``, ``18_496`` and ``18496.0`` read as ``18496``.
* ``choice``: a word such as ``same``; case, spaces and quotes are ignored.

An answer that cannot be read as its kind is ``unreadable``; an empty cell or a missing row is
``unanswered``. Both count as wrong: a student's score is the number of right blanks over the
number of blanks on their paper, as a percentage.

Feedback on a wrong answer (:class:`QuestionResult`):

* ``correct``: the right answer as the key shows it (``(None, 26, 26, 32)``, ``18,496``).
* ``mistake``: when the answer is one of the blank's computed distractors, the mistake that
  produces it ("forgot the +1", "dropped the bias"). This is the most useful line, and only
  ever names a mistake that really gives the student's number.
* ``steps``: the worked step that differs from what the student wrote, found by comparing the
  key's typed steps (their quantity, value and option), never by reading their text. For a
  shape, the first step whose quantity decides an axis (height, width, channels/size, or the
  whole shape) the student got wrong; for a number, the step whose value is the answer, or, when
  the student's number is the value of an earlier step (the trainable count instead of the
  total), the step after it; for a choice, the step that works out the student's option and the
  concluding step. An unreadable or missing answer gets all the blank's steps. (Keys written
  by 0.1 have text-only steps: their feedback shows the last step, or all of them.)
* ``note``: what else can be said: the number of axes differs, the number is an intermediate
  result, the text could not be read.
"""

from __future__ import annotations

from generator.grading.answers import AnswerRow, AnswerSheet, read_answers
from generator.grading.grade import KeyIndex, check, grade, grade_answer
from generator.grading.report import (
    ClassSummary,
    OutputFormat,
    QuestionResult,
    QuestionStats,
    Report,
    Status,
    StudentResult,
    WrongAnswer,
    format_gradebook,
    format_report,
    format_text,
    write_output,
)

__all__ = [
    "AnswerRow", "AnswerSheet", "ClassSummary", "KeyIndex", "OutputFormat", "QuestionResult",
    "QuestionStats", "Report", "Status", "StudentResult", "WrongAnswer", "check", "format_gradebook",
    "format_report", "format_text", "grade", "grade_answer", "read_answers", "write_output",
]
