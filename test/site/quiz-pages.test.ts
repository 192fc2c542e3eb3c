// Every lesson page, in both languages, ends with its quiz (site/AUTHORING.md,
// "Quiz"): a section {#quiz} right before {#further-reading}, holding one
// <Quiz> of 4 to 6 questions, each with a prompt, at least two choices, exactly
// one right choice (at least one in a `multiple` question) and an
// explanation whose links go to anchors the page has. The Chinese quiz asks
// the same questions: as many, with as many choices, the same ones right.
// Read from the MDX as the site parses it (test/helpers/quiz-shape.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { readQuiz } from '../helpers/quiz-shape.ts';

const LESSONS = ['hello', 'syscall', 'signal', 'mmap', 'ioctl', 'netlink', 'procfs-sysfs'];
const LOCALES = {
  en: path.join(REPO_ROOT, 'docs'),
  'zh-Hans': path.join(REPO_ROOT, 'i18n/zh-Hans/docusaurus-plugin-content-docs/current'),
};

const SAMPLE = `## Try it {#try-it-yourself}

## Check your understanding {#quiz}

<Quiz id="sample">
${[1, 2, 3, 4]
  .map(
    (n) => `<Question>

Question ${n}?

<Choice>No</Choice>
<Choice correct>Yes</Choice>

<Explanation>Because of [this](#try-it-yourself).</Explanation>
</Question>`,
  )
  .join('\n')}
</Quiz>

## Further reading {#further-reading}
`;

describe('the quiz reader finds what is wrong', () => {
  test('a well-formed quiz passes', () => {
    const quiz = readQuiz(SAMPLE);
    assert.deepEqual(quiz.problems, []);
    assert.equal(quiz.id, 'sample');
    assert.deepEqual(quiz.questions[0], { multiple: false, choices: 2, correct: [1] });
  });

  test('no right choice, two right choices, no explanation, a dead link, too few questions, a misplaced quiz', () => {
    const problems = (src: string): string => readQuiz(src).problems.join('\n');
    assert.match(problems(SAMPLE.replace('<Choice correct>Yes', '<Choice>Yes')), /question 1 has 0 right choices/);
    assert.match(problems(SAMPLE.replace('<Choice>No', '<Choice correct>No')), /question 1 has 2 right choices/);
    assert.equal(problems(SAMPLE.replace('<Choice>No', '<Choice correct>No').replace('<Question>', '<Question multiple>')), '');
    assert.match(problems(SAMPLE.replace(/<Explanation>.*?<\/Explanation>/, '')), /question 1 needs one explanation/);
    assert.match(problems(SAMPLE.replace('#try-it-yourself)', '#nowhere)')), /links to #nowhere/);
    assert.match(problems(SAMPLE.replace(/<Question>[\s\S]*?<\/Question>/, '')), /3 questions, not 4 to 6/);
    assert.match(problems(SAMPLE.replace('## Check your understanding {#quiz}', '')), /in section #try-it-yourself, not #quiz/);
    assert.match(problems(SAMPLE.replace('## Further reading {#further-reading}', '## More {#more}')), /#more, not #further-reading/);
    assert.match(problems('# No quiz\n'), /0 <Quiz> elements/);
  });
});

describe('every lesson page has its quiz, in both languages', () => {
  for (const lesson of LESSONS) {
    test(lesson, () => {
      const quizzes = Object.entries(LOCALES).map(([locale, dir]) => {
        const file = path.join(dir, `${lesson}.mdx`);
        const quiz = readQuiz(readFileSync(file, 'utf8'), file);
        assert.deepEqual(quiz.problems, [], `${locale}: ${path.relative(REPO_ROOT, file)}`);
        return quiz;
      });
      const [en, zh] = quizzes;
      assert.deepEqual(zh, en, 'the Chinese quiz has the same id, questions, choices and answers as the English one');
    });
  }
});
