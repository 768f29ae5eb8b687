"""Bad input gets a clear error at the public edge; odd-but-valid input is reconciled as documented.

Each case names the call, the exception type and fragments its message must contain: the argument's
name, what was wrong and what is expected. The messages themselves were read by a person; these
tests keep them from regressing.
"""
from __future__ import annotations

import decimal
import fractions
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from nwlib import nadaraya_watson as nw
from nwlib.adaptive import loo_knn
from nwlib.bandwidth import loo_cv, scott, silverman
from nwlib.consistency import design_queries, error_curve, oracle_study
from nwlib.data import make_data, true_function
from nwlib.density import joint_densities, nw_classify, one_hot_labels, parzen_density
from nwlib.kernels import get_kernel
from nwlib.learning import learn_width, width_objective
from nwlib.sphere import key_bias, random_unit_vectors, sdpa_nadaraya_watson

X = [0.0, 1.0, 2.0, 3.0]
Y = [0.0, 1.0, 4.0, 9.0]
Q = [0.5, 1.5]
X2 = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]
Y2 = [1.0, 2.0, 3.0]
NAN, INF = float("nan"), float("inf")

# (id, thunk, exception, fragments the message must contain)
CASES = [
    # shapes and sizes
    ("lengths differ", lambda: nw([0, 1, 2], [1, 2], Q), ValueError,
     ["x_train", "y_train", "same number of points", "3", "2"]),
    ("dims differ", lambda: nw(X2, Y2, [[0.5, 0.5, 0.2]]), ValueError,
     ["x_query", "3 coordinate", "x_train has 2", "(m, 2)"]),
    ("1-D queries for 2-D data", lambda: nw(X2, Y2, [0.5, 0.2, 0.1]), ValueError,
     ["x_query", "1 coordinate", "x_train has 2"]),
    ("one 2-D query as 1-D", lambda: nw(X2, Y2, [0.5, 0.5]), ValueError,
     ["x_query", "shape (2,)", "(1, 2)"]),
    ("empty training set", lambda: nw([], [], Q), ValueError, ["x_train", "empty", "at least one"]),
    ("empty 2-D training set", lambda: nw(np.zeros((0, 2)), np.zeros(0), [[0, 0]]), ValueError,
     ["x_train", "empty"]),
    ("zero coordinates", lambda: nw(np.zeros((5, 0)), np.arange(5.0), np.zeros((2, 0))), ValueError,
     ["x_train", "0 coordinates", "at least one"]),
    ("zero value columns", lambda: nw(X, np.zeros((4, 0)), Q), ValueError,
     ["y_train", "0 values", "at least one"]),
    ("3-D x_train", lambda: nw(np.zeros((2, 2, 2)), [1, 2], Q), ValueError,
     ["x_train", "1-D", "2-D", "(2, 2, 2)"]),
    ("3-D y_train", lambda: nw(X, np.zeros((4, 1, 1)), Q), ValueError, ["y_train", "(4, 1, 1)"]),
    ("3-D x_query", lambda: nw(X, Y, np.zeros((2, 1, 1))), ValueError, ["x_query", "(2, 1, 1)"]),
    ("ragged list", lambda: nw([[0, 1], [2]], [1, 2], Q), ValueError,
     ["x_train", "ragged", "same number of coordinates"]),
    # non-finite values
    ("NaN in x_train", lambda: nw([0, NAN, 2, 3], Y, Q), ValueError,
     ["x_train", "1 NaN", "row 1", "finite"]),
    ("inf in y_train", lambda: nw(X, [0, 1, INF, 9], Q), ValueError,
     ["y_train", "1 infinite", "row 2", "finite"]),
    ("NaN and -inf in x_query", lambda: nw(X, Y, [0.0, NAN, -INF]), ValueError,
     ["x_query", "1 NaN and 1 infinite", "row 1"]),
    ("NaN in a float32 tensor", lambda: nw(torch.tensor([0.0, NAN]), torch.tensor([1.0, 2.0]), Q),
     ValueError, ["x_train", "NaN"]),
    ("overflowing coordinates", lambda: nw(torch.tensor([1e20, -1e20]), torch.tensor([1.0, 2.0]),
                                           torch.tensor([0.0])), ValueError,
     ["x_train", "1e+20", "overflow", "rescale", "float64"]),
    # the width
    ("sigma = 0", lambda: nw(X, Y, Q, sigma=0), ValueError, ["sigma", "positive finite", "got 0"]),
    ("sigma < 0", lambda: nw(X, Y, Q, sigma=-1.0), ValueError, ["sigma", "positive", "got -1.0"]),
    ("sigma NaN", lambda: nw(X, Y, Q, sigma=NAN), ValueError, ["sigma", "finite", "nan"]),
    ("sigma inf", lambda: nw(X, Y, Q, sigma=INF), ValueError, ["sigma", "finite", "inf"]),
    ("sigma huge int", lambda: nw(X, Y, Q, sigma=10 ** 400), ValueError, ["sigma", "finite"]),
    ("sigma a string", lambda: nw(X, Y, Q, sigma="0.5"), TypeError,
     ["sigma", "positive finite number", "the string '0.5'"]),
    ("sigma None", lambda: nw(X, Y, Q, sigma=None), TypeError, ["sigma", "got None"]),
    ("sigma a bool", lambda: nw(X, Y, Q, sigma=True), TypeError, ["sigma", "bool"]),
    ("sigma complex", lambda: nw(X, Y, Q, sigma=1j), TypeError, ["sigma", "real"]),
    ("sigma per-coordinate, wrong length", lambda: nw(X2, Y2, [[0, 0]], sigma=[1.0, 2.0, 3.0]),
     ValueError, ["sigma", "2 of them, one per coordinate", "got 3", "d = 2"]),
    ("sigma per-coordinate with a zero", lambda: nw(X2, Y2, [[0, 0]], sigma=[1.0, 0.0]),
     ValueError, ["sigma", "positive finite", "[1.0, 0.0]"]),
    ("sigma 2-D", lambda: nw(X, Y, Q, sigma=[[1.0]]), ValueError, ["sigma", "shape (1, 1)"]),
    ("sigma empty list", lambda: nw(X, Y, Q, sigma=[]), ValueError, ["sigma", "got 0 value"]),
    ("sigma NaN tensor", lambda: nw(X, Y, Q, sigma=torch.tensor(NAN)), ValueError, ["sigma", "nan"]),
    # the kernel
    ("unknown kernel", lambda: nw(X, Y, Q, kernel="gausian"), ValueError,
     ["kernel='gausian'", "'gaussian'", "'boxcar'", "'constant'", "'triangular'", "'epanechnikov'",
      "callable"]),
    ("kernel a number", lambda: nw(X, Y, Q, kernel=3), TypeError, ["kernel", "'gaussian'", "an int"]),
    ("kernel None", lambda: nw(X, Y, Q, kernel=None), TypeError, ["kernel", "got None"]),
    ("kernel callable, wrong shape", lambda: nw(X, Y, Q, kernel=lambda u: u.sum()), ValueError,
     ["kernel callable", "same shape", "got shape ()"]),
    ("kernel callable, negative", lambda: nw(X, Y, Q, kernel=lambda u: -u), ValueError,
     ["kernel callable", "negative", "non-negative"]),
    ("kernel callable, infinite", lambda: nw(X, Y, Q, kernel=lambda u: 1 / u), ValueError,
     ["kernel callable", "infinite", "finite"]),
    ("kernel callable, numpy", lambda: nw(X, Y, Q, kernel=lambda u: np.exp(-np.asarray(u))),
     ValueError, ["kernel callable", "a numpy array", "torch.exp"]),
    ("kernel callable that raises", lambda: nw(X, Y, Q, kernel=lambda u: u.no_such_method()),
     TypeError, ["kernel callable", "AttributeError", "no_such_method", "same shape"]),
    # non-numeric data
    ("x_train strings", lambda: nw(["a", "b"], [1, 2], Q), TypeError, ["x_train", "text", "'a'"]),
    ("x_train mixed str", lambda: nw([0, "1", 2, 3], Y, Q), TypeError, ["x_train", "text"]),
    ("x_train a string", lambda: nw("abc", [1, 2, 3], Q), TypeError,
     ["x_train", "list, numpy array or tensor", "the string 'abc'"]),
    ("x_train None", lambda: nw(None, Y, Q), TypeError, ["x_train", "got None"]),
    ("y_train None", lambda: nw(X, None, Q), TypeError, ["y_train", "got None"]),
    ("x_query None", lambda: nw(X, Y, None), TypeError, ["x_query", "got None"]),
    ("x_train a dict", lambda: nw({"a": 1}, [1], Q), TypeError, ["x_train", "a dict"]),
    ("x_train a set", lambda: nw({1.0, 2.0}, [1, 2], Q), TypeError, ["x_train", "a set"]),
    ("x_train a generator", lambda: nw((i for i in range(3)), [1, 2, 3], Q), TypeError,
     ["x_train", "a generator"]),
    ("None inside y_train", lambda: nw(X, [1.0, None, 2.0, 3.0], Q), TypeError,
     ["y_train", "None", "position 1", "missing"]),
    ("object inside x_train", lambda: nw([0.0, object()], [1, 2], Q), TypeError,
     ["x_train", "an object", "position 1"]),
    ("x_train complex", lambda: nw([1j, 2j], [1, 2], Q), TypeError, ["x_train", "real", "complex"]),
    ("x_train complex tensor", lambda: nw(torch.tensor([1j, 2j]), [1, 2], Q), TypeError,
     ["x_train", "complex"]),
    ("x_train datetimes", lambda: nw(np.array(["2020-01-01"], dtype="datetime64[D]"), [1], Q),
     TypeError, ["x_train", "datetime64", "numbers"]),
    # the other options
    ("block_size = 0", lambda: nw(X, Y, Q, return_weights=False, block_size=0), ValueError,
     ["block_size", "integer ≥ 1", "got 0"]),
    ("block_size a float", lambda: nw(X, Y, Q, return_weights=False, block_size=2.5), TypeError,
     ["block_size", "integer", "2.5"]),
    ("block_size a bool", lambda: nw(X, Y, Q, return_weights=False, block_size=True), TypeError,
     ["block_size", "bool"]),
    ("empty='bogus'", lambda: nw(X, Y, Q, empty="bogus"), ValueError,
     ["empty='bogus'", "'nan'", "'nearest'"]),
    ("empty=None", lambda: nw(X, Y, Q, empty=None), TypeError, ["empty", "'nan'", "None"]),
    ("empty an array", lambda: nw(X, Y, Q, empty=np.array(["nan"])), TypeError,
     ["empty", "a numpy array"]),
    ("return_weights a string", lambda: nw(X, Y, Q, return_weights="yes"), TypeError,
     ["return_weights", "True or False", "'yes'"]),
    ("device 'gpu'", lambda: nw(X, Y, Q, device="gpu"), ValueError, ["device='gpu'", "'cpu'"]),
    ("device a number", lambda: nw(X, Y, Q, device=0), TypeError, ["device", "string"]),
    # bandwidth
    ("loo_cv sigmas with 0", lambda: loo_cv(X, Y, [0.1, 0.0]), ValueError,
     ["sigmas", "positive finite", "[0.0]"]),
    ("loo_cv sigmas NaN", lambda: loo_cv(X, Y, [0.5, NAN]), ValueError, ["sigmas", "[nan]"]),
    ("loo_cv sigmas empty", lambda: loo_cv(X, Y, []), ValueError, ["sigmas", "non-empty"]),
    ("loo_cv sigmas 2-D", lambda: loo_cv(X, Y, [[0.1, 0.2]]), ValueError, ["sigmas", "1-D"]),
    ("loo_cv sigmas a string", lambda: loo_cv(X, Y, "0.5"), TypeError, ["sigmas", "string"]),
    ("loo_cv one point", lambda: loo_cv([1.0], [1.0], [0.5]), ValueError,
     ["x_train", "at least 2"]),
    ("loo_cv lengths differ", lambda: loo_cv(X, Y[:3], [0.5]), ValueError, ["x_train", "y_train"]),
    ("loo_cv unknown kernel", lambda: loo_cv(X, Y, [0.5], kernel="gauss"), ValueError,
     ["kernel='gauss'", "'gaussian'"]),
    ("scott one point", lambda: scott([1.0]), ValueError, ["x_train", "at least 2"]),
    ("silverman constant data", lambda: silverman([1.0, 1.0, 1.0]), ValueError,
     ["x_train", "zero spread"]),
    ("scott NaN", lambda: scott([1.0, NAN, 2.0]), ValueError, ["x_train", "NaN"]),
    ("scott None", lambda: scott(None), TypeError, ["x_train", "None"]),
    # data
    ("make_data n = 0", lambda: make_data(n=0), ValueError, ["n", "≥ 1", "got 0"]),
    ("make_data n a float", lambda: make_data(n=2.5), TypeError, ["n", "integer"]),
    ("make_data noise < 0", lambda: make_data(noise=-1.0), ValueError, ["noise", "non-negative"]),
    ("make_data noise None", lambda: make_data(noise=None), TypeError, ["noise", "number", "None"]),
    ("make_data seed < 0", lambda: make_data(seed=-1), ValueError, ["seed", "≥ 0"]),
    ("make_data high NaN", lambda: make_data(high=NAN), ValueError, ["high", "positive finite"]),
    ("make_data high inf", lambda: make_data(high=INF), ValueError, ["high", "positive finite"]),
    ("make_data step 0", lambda: make_data(step=0), ValueError, ["step", "positive"]),
    ("make_data tiny step", lambda: make_data(step=1e-9), ValueError, ["step", "validation points"]),
    ("make_data integer dtype", lambda: make_data(dtype=torch.int64), TypeError,
     ["dtype", "float32", "float64"]),
    ("true_function text", lambda: true_function("x"), TypeError, ["x", "string"]),
    # kernels
    ("kernel evaluated on text", lambda: get_kernel("gaussian")("a"), TypeError, ["u", "string"]),
    ("normalizer d = 0", lambda: get_kernel("gaussian").normalizer(0), ValueError,
     ["d", "integer ≥ 1"]),
    ("normalizer d a float", lambda: get_kernel("gaussian").normalizer(1.5), TypeError,
     ["d", "integer"]),
    ("numpy longdouble data", lambda: nw(np.array([0.0, 1.0], dtype=np.longdouble), [1, 2], Q),
     TypeError, ["x_train", "float128", "float64"]),
    ("make_data noise NaN", lambda: make_data(noise=NAN), ValueError, ["noise", "finite"]),
    ("make_data high a string", lambda: make_data(high="5"), TypeError, ["high", "string"]),
    ("normalizer of the constant kernel", lambda: get_kernel("constant").normalizer(1), ValueError,
     ["'constant'", "density", "'gaussian'"]),
    # issue 17: every public function reads its data through the one reader
    ("parzen_density overflowing coordinates", lambda: parzen_density([1e200, 0], [0]), ValueError,
     ["x_train", "1e+200", "overflow", "rescale"]),
    ("parzen_density empty x_train", lambda: parzen_density([], [0.0]), ValueError,
     ["x_train is empty", "density estimate", "at least one"]),
    ("key_bias overflowing keys", lambda: key_bias([1e200, 0.0]), ValueError, ["keys", "overflow"]),
    ("sdpa: values of another length", lambda: sdpa_nadaraya_watson([0.0], X, [1.0, 2.0]),
     ValueError, ["keys", "values", "same number of rows", "4", "2"]),
    # squared errors that overflow are refused, not reported as inf (or as the largest float)
    ("loo_cv: y_train whose squared errors overflow", lambda: loo_cv(X, [0.0, 1e300, 0.0, 0.0], [0.5]),
     ValueError, ["y_train", "1e+300", "squared errors", "overflow", "rescale"]),
    ("width_objective: y_train whose squared errors overflow",
     lambda: width_objective(X, [0.0, 1e300, 0.0, 0.0], 0.5), ValueError,
     ["y_train", "1e+300", "squared errors", "overflow"]),
    ("learn_width: y_train whose squared errors overflow",
     lambda: learn_width(X, [0.0, 1e300, 0.0, 0.0]), ValueError, ["y_train", "squared errors"]),
    ("loo_knn: y_train whose squared errors overflow",
     lambda: loo_knn(X, [0.0, 1e300, 0.0, 0.0], [1]), ValueError, ["y_train", "squared errors"]),
    ("error_curve: truth whose squared errors overflow",
     lambda: error_curve(X, Y, Q, [1e300] * len(Q), [0.5]), ValueError, ["truth", "squared errors"]),
    ("error_curve: y_train whose squared errors overflow",
     lambda: error_curve(X, [0.0, 1e300, 0.0, 0.0], Q, [0.0] * len(Q), [0.5]), ValueError,
     ["y_train", "squared errors"]),
    ("oracle_study: a sample size beyond memory", lambda: oracle_study([20, 10 ** 12], seeds=1),
     ValueError, ["ns", "n = 1000000000000", "GiB", "smaller sample sizes"]),
    ("make_data: n beyond memory", lambda: make_data(n=10 ** 12), ValueError, ["n:", "GiB", "smaller n"]),
    ("design_queries: num beyond memory", lambda: design_queries(1, num=10 ** 12), ValueError,
     ["num and d", "GiB"]),
    ("random_unit_vectors: n beyond memory", lambda: random_unit_vectors(10 ** 12, 3), ValueError,
     ["n and d", "GiB"]),
    ("sdpa: values None", lambda: sdpa_nadaraya_watson([0.0], X, None), TypeError,
     ["values", "None"]),
    ("sdpa: 2-D queries for 1-D keys", lambda: sdpa_nadaraya_watson([[0.0, 1.0]], X, Y), ValueError,
     ["queries", "2 coordinate", "keys has 1"]),
    ("nw_classify: labels of another length", lambda: nw_classify(X, [0, 1], Q), ValueError,
     ["x_train", "labels", "4", "2"]),
    ("error_curve: NaN truth", lambda: error_curve(X, Y, Q, [1.0, NAN], [0.5]), ValueError,
     ["truth", "NaN"]),
    # numpy and torch bools are flags, not widths
    ("sigma np.bool_", lambda: nw(X, Y, Q, sigma=np.bool_(True)), TypeError, ["sigma", "bool"]),
    ("sigma bool tensor", lambda: nw(X, Y, Q, sigma=torch.tensor(True)), TypeError,
     ["sigma", "bool"]),
    ("sigma bool array", lambda: nw(X2, Y2, [[0, 0]], sigma=np.array([True, True])), TypeError,
     ["sigma", "bool"]),
    ("parzen sigma np.bool_", lambda: parzen_density(X, Q, sigma=np.bool_(True)), TypeError,
     ["sigma", "bool"]),
    ("loo_cv sigmas bools", lambda: loo_cv(X, Y, np.array([True, True])), TypeError,
     ["sigmas", "bool"]),
    # seeds: a torch.Generator takes [0, 2**64)
    ("make_data seed 2**64", lambda: make_data(seed=2 ** 64), ValueError,
     ["seed", "[0, 2**64)", "18446744073709551616"]),
    ("make_data seed 1e30", lambda: make_data(seed=10 ** 30), ValueError, ["seed", "[0, 2**64)"]),
    ("random_unit_vectors seed 2**64", lambda: random_unit_vectors(2, 2, seed=2 ** 64), ValueError,
     ["seed", "[0, 2**64)"]),
    ("design_queries seed 2**70", lambda: design_queries(2, seed=2 ** 70), ValueError,
     ["seed", "[0, 2**64)"]),
    ("oracle_study seed 2**64", lambda: oracle_study([10, 20], seed=2 ** 64), ValueError,
     ["seed", "[0, 2**64)"]),
    ("learn_width seed 2**64", lambda: learn_width(X, Y, seed=2 ** 64), ValueError,
     ["seed", "[0, 2**64)"]),
    # huge values: a clear error, not inf, NaN or a raw OverflowError
    ("make_data noise 1e308", lambda: make_data(noise=1e308), ValueError,
     ["noise=1e+308", "overflow", "float32", "dtype=torch.float64"]),
    ("make_data noise 1e308 in float64", lambda: make_data(noise=1e308, dtype=torch.float64),
     ValueError, ["noise=1e+308", "overflow", "float64"]),
    ("make_data high 1e300", lambda: make_data(high=1e300, step=1e294), ValueError,
     ["high=1e+300", "overflow"]),
    ("design_queries ±1e308", lambda: design_queries(1, "all", low=-1e308, high=1e308), ValueError,
     ["low and high", "1e+308", "overflow"]),
    ("design_queries 1e300 in float32",
     lambda: design_queries(1, "all", high=1e300, dtype=torch.float32), ValueError,
     ["low and high", "float32", "float64"]),
    ("oracle_study ±1e308", lambda: oracle_study([10, 20], low=-1e308, high=1e308), ValueError,
     ["low and high", "overflow"]),
    ("silverman beyond float64", lambda: silverman([1.7e308, -1.7e308]), ValueError,
     ["x_train", "spreads beyond"]),
    # kernels: the true cause
    ("kernel callable, complex", lambda: nw(X, Y, Q, kernel=lambda u: torch.exp(-u ** 2) * (1 + 1j)),
     TypeError, ["kernel callable", "complex", "real"]),
    ("kernel callable, too large for float32",
     lambda: nw(torch.tensor(X), torch.tensor(Y), torch.tensor(Q),
                kernel=lambda u: torch.exp(100 - u.double())), ValueError,
     ["kernel callable", "too large for torch.float32"]),
    # the rate experiment: a truth to measure against
    ("oracle_study NaN target",
     lambda: oracle_study([10, 20], seeds=1, target=lambda x: x[:, 0] * NAN), ValueError,
     ["target(queries)", "NaN"]),
    ("oracle_study target NaN at training points only",
     lambda: oracle_study([10, 20], seeds=1, target=lambda x: torch.where(
         (x[:, 0] < 1) | (x[:, 0] > 4), NAN, x[:, 0])), ValueError,
     ["target(x)", "NaN"]),
    ("oracle_study empty region", lambda: oracle_study([10, 20], region=np.zeros((0, 1))),
     ValueError, ["region", "no query points"]),
    ("oracle_study region of another dimension",
     lambda: oracle_study([10, 20], d=2, region=[[0.0, 1.0, 2.0]]), ValueError,
     ["region", "3 coordinate", "d = 2"]),
    # labels: class indices, not arbitrary numbers (a stray 2e8 took 17 GB)
    ("one_hot_labels stray label 2e8", lambda: one_hot_labels([0, 1, int(2e8)]), ValueError,
     ["labels", "200000000", "np.unique"]),
    ("one_hot_labels label 1e12", lambda: one_hot_labels([0, 1, 10 ** 12]), ValueError,
     ["labels", "1000000000000", "np.unique"]),
    ("one_hot_labels float label 1e30", lambda: one_hot_labels([0.0, 1.0, 1e30]), ValueError,
     ["labels", "np.unique"]),
    ("nw_classify stray label", lambda: nw_classify([0.0, 1.0, 2.0], [0, 1, int(2e8)], Q),
     ValueError, ["labels", "np.unique"]),
    ("joint_densities label 1e12", lambda: joint_densities([0.0, 1.0, 2.0], [0, 1, 10 ** 12], Q),
     ValueError, ["labels", "np.unique"]),
    ("num_classes beyond memory", lambda: one_hot_labels([0, 1], num_classes=10 ** 13), ValueError,
     ["num_classes", "GiB", "memory"]),
    ("explorer noise 1e200", lambda: _explorer(noise=1e200), ValueError, ["noise=1e+200", "overflow"]),
]


def _explorer(**kwargs):
    from nwlib.widgets import explorer

    return explorer(**kwargs)


@pytest.mark.parametrize("call, exc, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_message(call, exc, fragments):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} lacks {missing}"


@pytest.mark.parametrize("call, exc, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_before_any_torch_error(call, exc, fragments):
    """The error is ours (raised in nwlib's checks), not one that escaped from torch or numpy."""
    with pytest.raises(exc) as info:
        call()
    origin = Path(str(info.traceback[-1].path))
    assert origin.parent.name == "nwlib", f"raised from {origin}, not by nwlib's checks"


def test_a_kernel_with_values_only_float64_holds_works_on_float64_data():
    """get_kernel tries a callable in float64, so it is not refused for float32's sake."""
    huge = get_kernel(lambda u: 1e300 * torch.exp(-u ** 2 / 2))
    x = torch.tensor(X, dtype=torch.float64)
    torch.testing.assert_close(nw(x, Y, Q, kernel=huge, return_weights=False),
                               nw(x, Y, Q, return_weights=False))


def test_kernel_callable_is_checked_where_it_is_passed():
    """A broken callable fails in get_kernel, before any data is looked at."""
    with pytest.raises(ValueError, match="same shape"):
        get_kernel(lambda u: torch.zeros(3))
    kern = get_kernel(lambda u: torch.exp(-u ** 2))
    expected = torch.tensor([1.0, np.exp(-1.0)], dtype=torch.float32)
    assert torch.allclose(kern(torch.tensor([0.0, 1.0])), expected)


# ---------------------------------------------------------------- reconciliation (documented)

def _dtype(x, y, q):
    return nw(x, y, q, return_weights=False).dtype


F32, F64 = torch.float32, torch.float64


@pytest.mark.parametrize("x_dtype, y_dtype, q_dtype, expected", [
    (F32, F32, F32, F32),
    (F32, F64, F32, F64),  # the widest floating dtype wins ...
    (F32, F32, F64, F64),  # ... the queries' included
    (F64, F32, F32, F64),
    (torch.int64, torch.int64, torch.int64, F32),  # no floats: torch's default dtype
    (torch.int64, F64, torch.int32, F64),
    (torch.float16, torch.float16, torch.float16, F32),  # half is computed in float32
    (torch.bfloat16, F32, F32, F32),
    (torch.bool, torch.bool, F32, F32),
])
def test_widest_float_dtype_wins(x_dtype, y_dtype, q_dtype, expected):
    x = torch.tensor([0, 1, 2, 3]).to(x_dtype)
    y = torch.tensor([0, 1, 1, 0]).to(y_dtype)
    q = torch.tensor([0, 1]).to(q_dtype)
    assert _dtype(x, y, q) == expected


def test_python_lists_are_read_as_numpy_reads_them():
    # numpy reads a list of Python floats as float64, a list of ints as int64
    assert _dtype([0.0, 1.0], [1.0, 2.0], [0.5]) == F64
    assert _dtype([0, 1], [1, 2], [1]) == F32
    assert _dtype(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]), [0.5]) == F64
    assert _dtype(np.float32([0, 1]), np.float32([1, 2]), np.float32([0.5])) == F32


def test_bools_count_as_zero_and_one():
    y_bool = [True, False, True, False]
    a = nw(X, y_bool, Q, return_weights=False)
    b = nw(X, [1.0, 0.0, 1.0, 0.0], Q, return_weights=False)
    torch.testing.assert_close(a, b)


def test_big_ints_fractions_and_decimals_become_floats():
    frac = nw([0, 10 ** 30], [1.0, 2.0], [0.0], sigma=fractions.Fraction(1, 2), return_weights=False)
    assert frac.tolist() == [1.0]
    dec = nw(X, Y, Q, sigma=decimal.Decimal("0.5"), return_weights=False)
    torch.testing.assert_close(dec, nw(X, Y, Q, sigma=0.5, return_weights=False))


def test_scalars_are_one_point():
    est, w = nw(1.0, 2.0, [0.0, 1.0])
    assert est.tolist() == [2.0, 2.0] and w.shape == (2, 1)
    est = nw(X, Y, 1.5, return_weights=False)
    assert est.shape == (1,)


def test_numpy_views_and_read_only_arrays_are_accepted_without_warnings():
    base = np.arange(8.0)
    base.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = nw(base[::2], base[1::2], base[:2], return_weights=False)
    torch.testing.assert_close(est, nw([0.0, 2, 4, 6], [1.0, 3, 5, 7], [0.0, 1], return_weights=False))


@pytest.mark.parametrize("call", [
    lambda x: nw(x, Y, Q, return_weights=False),
    lambda x: nw(X, x, Q)[1],
    lambda x: nw(X, Y, x, return_weights=False),
    lambda x: parzen_density(x, Q),
    lambda x: joint_densities(x, [0, 1, 0, 1], Q),
    lambda x: nw_classify(x, [0, 1, 0, 1], Q),
    lambda x: loo_cv(x, Y, [0.5]).scores,
    lambda x: error_curve(x, Y, Q, [1.0, 2.0], [0.5]),
], ids=["nw x_train", "nw y_train", "nw x_query", "parzen_density", "joint_densities",
        "nw_classify", "loo_cv", "error_curve"])
def test_blocked_functions_read_inputs_that_require_grad_as_constants(call):
    """Documented (CONTRIBUTING.md, "How inputs are reconciled"): the blocked engine runs without
    autograd, so results carry no gradient, and reading such inputs warns of nothing."""
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = call(x)
    assert not out.requires_grad


@pytest.mark.parametrize("call", [
    lambda x: key_bias(x, sigma=0.5),
    lambda x: sdpa_nadaraya_watson([[0.5]], x, Y),
    lambda x: true_function(x),
    lambda x: silverman(x),
    lambda x: scott(x),
], ids=["key_bias", "sdpa_nadaraya_watson", "true_function", "silverman", "scott"])
def test_differentiable_functions_pass_the_gradient_through(call):
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    out = call(x).sum()
    (grad,) = torch.autograd.grad(out, x)
    assert torch.isfinite(grad).all() and bool((grad != 0).any())


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_unsigned_integers_of_every_width_are_read_like_uint8(dtype):
    x = np.array([0, 1, 2, 3], dtype=dtype)
    expected = nw(x.astype(np.int64), Y, Q, return_weights=False)
    torch.testing.assert_close(nw(x, Y, Q, return_weights=False), expected)
    torch.testing.assert_close(nw(X, Y, x[:2], return_weights=False),
                               nw(X, Y, [0, 1], return_weights=False))
    assert one_hot_labels(np.array([0, 2], dtype=dtype)).shape == (2, 3)


@pytest.mark.parametrize("dtype", [torch.uint16, torch.uint32, torch.uint64])
def test_unsigned_tensors_are_read_too(dtype):
    x = torch.tensor([0, 1, 2, 3]).to(dtype)
    torch.testing.assert_close(nw(x, Y, Q, return_weights=False), nw([0, 1, 2, 3], Y, Q,
                                                                   return_weights=False))


def test_uint64_beyond_int64_is_read_as_float64():
    y = np.array([0, 2 ** 63 + 2 ** 11, 0, 0], dtype=np.uint64)
    est = nw(X, y, [1.0], sigma=1e-3, return_weights=False)
    assert est.dtype == torch.float64 and est.tolist() == [float(2 ** 63 + 2 ** 11)]


def test_the_largest_seed_is_accepted():
    assert make_data(n=3, seed=2 ** 64 - 1).x_train.shape == (3,)
    assert random_unit_vectors(2, 2, seed=2 ** 64 - 1).shape == (2, 2)


def test_empty_query_set_gives_empty_result():
    est, w = nw(X, Y, [])
    assert est.shape == (0,) and w.shape == (0, 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_inputs_on_mixed_devices_are_moved_to_the_computing_device():
    x = torch.tensor(X, device="cuda")
    est = nw(x, torch.tensor(Y), np.array(Q), device="cpu", return_weights=False)
    assert est.device.type == "cpu"
    est = nw(torch.tensor(X), torch.tensor(Y, device="cuda"), Q, device="cuda", return_weights=False)
    assert est.device.type == "cuda"
