import numpy as np

from brightroom.color import difference
from brightroom.lab.metrics import colour as lab_colour


def test_one_implementation_shared_with_the_lab():
    assert lab_colour.delta_e_2000 is difference.delta_e_2000
    assert lab_colour.rgb_to_lab_d50 is difference.rgb_to_lab_d50


def test_sharma_2005_pair_1_and_lab_roundtrip():
    # Sharma, Wu, Dalal (2005), Table 1, pair 1: dE00 = 2.0425
    d = difference.delta_e_2000([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485])
    assert abs(float(d) - 2.0425) < 5e-5
    xyz = np.array([[0.2, 0.3, 0.1], [0.9, 1.0, 0.8]])
    np.testing.assert_allclose(difference.lab_to_xyz(difference.xyz_to_lab(xyz)), xyz, atol=1e-10)
    white = difference.rgb_to_lab_d50(np.ones(3))
    np.testing.assert_allclose(white, [100.0, 0.0, 0.0], atol=1e-3)
