from django.urls import path

from . import views

urlpatterns = [
    path('api/projects/', views.ProjectListAPI.as_view(), name='project-list'),
    path('api/projects/<int:pk>/', views.ProjectAPI.as_view(), name='project-detail'),
    # No trailing slash, as in Label Studio; `/import/` is a 404.
    path('api/projects/<int:pk>/import', views.ImportAPI.as_view(), name='project-import'),
    # No trailing slash either (data_import/urls.py).
    path(
        'api/projects/<int:pk>/import/predictions',
        views.ImportPredictionsAPI.as_view(),
        name='project-import-predictions',
    ),
    # Enterprise/SaaS: the outcome of an asynchronous import.
    path('api/projects/<int:pk>/imports/<int:import_pk>/', views.ProjectImportAPI.as_view(), name='project-imports'),
]
