"""scikit-learn's own estimator checks on SpeechMusicClassifier."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_speechmusic import SpeechMusicClassifier


def expected_failed_checks(estimator):
    """Checks that cannot hold for this estimator, each with the reason why."""
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "Training is minibatch Adam over shuffled batches. Repeating a row instead of "
            "weighting it by 2 changes the number of rows, hence the batches, the number of "
            "gradient steps per epoch and the validation hold-out, so the two networks "
            "differ (as for SGDClassifier). sample_weight scales each row's loss; "
            "test_classifier.py checks that ones are equivalent to no weights and zeros to "
            "removing the rows."
        ),
    }


# Cheap settings, as scikeras' and imbalanced-learn's own checks use: a small net,
# a fixed seed, enough epochs to pass the accuracy checks.
@parametrize_with_checks(
    [SpeechMusicClassifier(hidden_layer_sizes=(32,), epochs=30, learning_rate=0.01, random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
